using System.Diagnostics;
using EdgeGateway.Core.Alerts;
using EdgeGateway.Core.Health;
using EdgeGateway.Core.Outbox;
using EdgeGateway.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit.Abstractions;

namespace EdgeGateway.Uplink.Tests;

/// <summary>
/// The uplink's promises under faults, against a real Mosquitto on a random loopback port, with a
/// real MQTT subscriber counting unique alert ids (as the relay de-duplicates by id).
/// </summary>
[Trait("Category", "Integration")]
public sealed class UplinkFaultTests(ITestOutputHelper output)
{
    private const int Alerts = 10_000;
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Alerts_injected_while_the_broker_is_down_all_arrive_once_it_starts()
    {
        var (broker, collector) = await StartBrokerWithRelaySessionAsync();
        await using var _ = broker;
        await using var __ = collector;
        await broker.StopGracefullyAsync();
        using var data = new TempDirectory();
        var logs = new CapturingLoggerProvider();

        await Drill.InjectAsync(data.Path, Alerts);
        using var host = UplinkHost.Build(broker.Url, data.Path, logs: logs);
        await host.StartAsync();
        await Drill.WaitUntilAsync(() => logs.TextOf(UplinkLogEvents.LinkConnectFailed).Any(), TimeSpan.FromSeconds(10));

        // With the broker down, the box says so and holds every alert in its outbox.
        var down = host.Services.GetRequiredService<IUplinkMonitor>().GetHealth();
        Assert.False(down.Connected);
        Assert.Equal(Alerts, down.Depth.Values.Sum());

        await broker.StartAsync();
        await collector.WaitForUniqueAlertsAsync(Alerts, DrainTimeout);
        await collector.WaitForQuietAsync(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));
        await host.StopAsync();

        output.WriteLine($"unique {collector.UniqueAlerts}, duplicates {collector.DuplicateAlerts}");
        Assert.Equal(Alerts, collector.UniqueAlerts);
        Assert.Contains(logs.TextOf(UplinkLogEvents.LinkConnectFailed), line => line.Contains("cannot reach the broker", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Restarting_the_broker_mid_drain_delivers_every_alert_with_few_duplicates()
    {
        var (broker, collector) = await StartBrokerWithRelaySessionAsync();
        await using var _ = broker;
        await using var __ = collector;
        using var data = new TempDirectory();
        await Drill.InjectAsync(data.Path, Alerts);
        var logs = new CapturingLoggerProvider();
        using var host = UplinkHost.Build(broker.Url, data.Path, new() { ["Uplink:Window"] = "16" }, logs: logs);
        await host.StartAsync();

        await collector.WaitForUniqueAlertsAsync(Alerts / 5, TimeSpan.FromSeconds(60));
        await broker.StopGracefullyAsync();
        var atRestart = collector.UniqueAlerts;
        await Task.Delay(500);
        await broker.StartAsync();

        await collector.WaitForUniqueAlertsAsync(Alerts, DrainTimeout);
        await collector.WaitForQuietAsync(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));
        await host.StopAsync();

        // Each connection after the first may send its window again: one restart gives one more connection, and a
        // loaded machine whose PUBACKs time out may add others, each with its own window.
        var connections = logs.TextOf(UplinkLogEvents.LinkConnected).Count();
        output.WriteLine($"unique at restart {atRestart}; unique {collector.UniqueAlerts}, duplicates {collector.DuplicateAlerts}, connections {connections}");
        Assert.InRange(atRestart, 1, Alerts - 1);
        Assert.Equal(Alerts, collector.UniqueAlerts);
        Assert.InRange(connections, 2, int.MaxValue);
        Assert.InRange(collector.DuplicateAlerts, 0, 2 * 16 * (connections - 1));
    }

    [Fact]
    public async Task A_full_disk_budget_evicts_by_priority_and_the_eviction_alert_arrives_when_the_link_returns()
    {

        var (broker, collector) = await StartBrokerWithRelaySessionAsync();
        await using var _ = broker;
        await using var __ = collector;
        await broker.StopGracefullyAsync();
        using var data = new TempDirectory();
        using var host = UplinkHost.Build(broker.Url, data.Path, new() { ["Outbox:BudgetBytes"] = "6000" });
        await host.StartAsync();
        var sink = host.Services.GetRequiredService<IAlertSink>();
        var outbox = host.Services.GetRequiredService<DurableOutbox>();

        var published = new List<Alert>();
        for (var i = 0; i < 10; i++)
        {
            published.Add(await sink.PublishAsync(new AlertDraft(AlertKinds.Trapped, AlertSeverity.Critical, AlertState.Raised)));
        }

        foreach (var messageClass in new[] { OutboxClass.Status, OutboxClass.Snapshot, OutboxClass.Telemetry })
        {
            for (var i = 0; i < 10; i++)
            {
                await outbox.EnqueueAsync(new OutboxMessage(messageClass, new byte[100], Guid.CreateVersion7()));
            }
        }

        var beforeAlarms = outbox.GetStats();
        Assert.Equal(0, beforeAlarms.Evictions[OutboxClass.Status]);
        Assert.True(beforeAlarms.Evictions[OutboxClass.Telemetry] > 0, "the budget should be full of telemetry by now");

        for (var i = 0; i < 60; i++)
        {
            published.Add(await sink.PublishAsync(new AlertDraft(AlertKinds.Trapped, AlertSeverity.Critical, AlertState.Raised)));
        }

        var stats = outbox.GetStats();
        Assert.Equal(10, stats.Evictions[OutboxClass.Status]);
        Assert.Equal(10, stats.Evictions[OutboxClass.Snapshot]);
        Assert.True(stats.Evictions[OutboxClass.Alarm] > 0);
        Assert.Equal(0, stats.Depth[OutboxClass.Status] + stats.Depth[OutboxClass.Snapshot] + stats.Depth[OutboxClass.Telemetry]);
        Assert.True(stats.QueuedBytes <= 6000);

        await broker.StartAsync();
        await collector.WaitForAsync(c => c.Messages.Any(IsEviction), TimeSpan.FromSeconds(30));
        // The eviction alert itself needs room, so it pushes out one more of the oldest alarms.
        var expected = (int)stats.Depth[OutboxClass.Alarm];
        await collector.WaitForUniqueAlertsAsync(expected, TimeSpan.FromSeconds(30));
        await collector.WaitForQuietAsync(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(15));
        await host.StopAsync();

        var eviction = AlertCbor.Decode(collector.Messages.First(IsEviction).Payload).Alert!;
        Assert.Equal(stats.TotalEvictions.ToString(System.Globalization.CultureInfo.InvariantCulture), eviction.Attributes["evicted"]);
        Assert.Equal("10", eviction.Attributes["status"]);
        Assert.Equal("10", eviction.Attributes["snapshot"]);
        Assert.Equal(stats.Evictions[OutboxClass.Alarm].ToString(System.Globalization.CultureInfo.InvariantCulture), eviction.Attributes["alarm"]);

        // The oldest alarms went; every newer one arrived.
        Assert.Equal(expected, collector.UniqueAlerts);
        var arrived = collector.AlertIds.ToHashSet();
        var evictedAlarms = (int)stats.Evictions[OutboxClass.Alarm];
        Assert.All(published.Take(evictedAlarms), alert => Assert.DoesNotContain(alert.Id.ToString("D"), arrived));
        Assert.All(published.Skip(evictedAlarms + 1), alert => Assert.Contains(alert.Id.ToString("D"), arrived));
        // Evicted status and telemetry records never arrive (the backlog report on the telemetry topic is no record).
        Assert.DoesNotContain(collector.Messages, m => m.Topic.EndsWith("/status", StringComparison.Ordinal)
            || (m.Topic.EndsWith("/telemetry", StringComparison.Ordinal) && EdgeGateway.Contracts.Telemetry.BacklogReport.TryRead(m.Payload) is null));
    }

    [Fact]
    public async Task A_wrong_password_logs_one_clear_line_per_attempt_retries_and_loses_nothing_once_fixed()
    {
        const string wrong = "not-the-token-4711";
        var (broker, collector) = await StartBrokerWithRelaySessionAsync(allowAnonymous: false);
        await using var _ = broker;
        await using var __ = collector;
        using var data = new TempDirectory();
        var logs = new CapturingLoggerProvider();
        var settings = new Dictionary<string, string?> { ["Uplink:Username"] = "edge", ["Uplink:Password"] = wrong };

        using (var host = UplinkHost.Build(broker.Url, data.Path, settings, logs))
        {
            await host.StartAsync();
            for (var i = 0; i < 20; i++)
            {
                await host.Services.GetRequiredService<IAlertSink>().PublishAsync(new AlertDraft(AlertKinds.Trapped, AlertSeverity.Critical, AlertState.Raised));
            }

            await Drill.WaitUntilAsync(() => logs.TextOf(UplinkLogEvents.LinkConnectFailed).Count() >= 3, TimeSpan.FromSeconds(15));
            Assert.Equal(20, host.Services.GetRequiredService<DurableOutbox>().GetStats().Depth[OutboxClass.Alarm]);
            await host.StopAsync();
        }

        var failures = logs.TextOf(UplinkLogEvents.LinkConnectFailed).ToList();
        output.WriteLine(failures[0]);
        Assert.All(failures, line => Assert.Contains("broker refused the login of user 'edge'", line));
        Assert.All(failures, line => Assert.Contains("check Uplink:Username and Uplink:Password", line));
        Assert.DoesNotContain(logs.Lines, line => line.Text.Contains(wrong, StringComparison.Ordinal));
        Assert.Equal(0, collector.UniqueAlerts);

        settings["Uplink:Password"] = "edge-token";
        using (var fixedHost = UplinkHost.Build(broker.Url, data.Path, settings))
        {
            await fixedHost.StartAsync();
            await collector.WaitForUniqueAlertsAsync(20, TimeSpan.FromSeconds(20));
            await fixedHost.StopAsync();
        }

        Assert.Equal(20, collector.UniqueAlerts);
    }

    [Fact]
    public async Task An_untrusted_server_certificate_is_refused_clearly_and_mutual_tls_with_the_pinned_ca_delivers_everything()
    {
        using var data = new TempDirectory();
        using var certificates = new TestCertificates(data.File("pki"));
        using var authority = certificates.CreateAuthority("edge-test-ca");
        using var stranger = certificates.CreateAuthority("some-other-ca");
        var (serverCert, serverKey) = certificates.CreateSigned(authority, "broker");
        var (clientCert, clientKey) = certificates.CreateSigned(authority, "edge-device", client: true);
        var tlsPort = FreePort.Next();
        await using var broker = await MosquittoBroker.StartAsync($"""
            listener {tlsPort} 127.0.0.1
            cafile {certificates.PathOf("edge-test-ca.pem")}
            certfile {serverCert}
            keyfile {serverKey}
            require_certificate true
            """);
        await using var collector = await MqttCollector.StartAsync(broker.Url);
        var tlsUrl = $"mqtts://127.0.0.1:{tlsPort}";
        var logs = new CapturingLoggerProvider();
        var settings = new Dictionary<string, string?>
        {
            ["Uplink:CaFile"] = certificates.PathOf("some-other-ca.pem"),
            ["Uplink:ClientCertFile"] = clientCert,
            ["Uplink:ClientKeyFile"] = clientKey,
            ["Uplink:TimeoutSeconds"] = "5",
        };

        using (var host = UplinkHost.Build(tlsUrl, data.File("state"), settings, logs))
        {
            await host.StartAsync();
            for (var i = 0; i < 5; i++)
            {
                await host.Services.GetRequiredService<IAlertSink>().PublishAsync(new AlertDraft(AlertKinds.Trapped, AlertSeverity.Critical, AlertState.Raised));
            }

            try
            {
                await Drill.WaitUntilAsync(() => logs.TextOf(UplinkLogEvents.LinkConnectFailed).Count() >= 2, TimeSpan.FromSeconds(15));
            }
            finally
            {
                foreach (var line in logs.Lines)
                {
                    output.WriteLine($"{line.Level} {line.EventId} {line.Text}");
                }
            }

            await host.StopAsync();
        }

        var failure = logs.TextOf(UplinkLogEvents.LinkConnectFailed).First();
        output.WriteLine(failure);
        Assert.Contains("TLS handshake failed: the broker's certificate 'CN=broker' is not signed by the pinned CA 'CN=some-other-ca'", failure);
        Assert.Equal(0, collector.UniqueAlerts);

        settings["Uplink:CaFile"] = certificates.PathOf("edge-test-ca.pem");
        using (var trusted = UplinkHost.Build(tlsUrl, data.File("state"), settings))
        {
            await trusted.StartAsync();
            await collector.WaitForUniqueAlertsAsync(5, TimeSpan.FromSeconds(20));
            await trusted.StopAsync();
        }

        Assert.Equal(5, collector.UniqueAlerts);
    }

    private static bool IsEviction(MqttCollector.Received message) =>
        message.Topic.EndsWith("/alert", StringComparison.Ordinal)
        && AlertCbor.Decode(message.Payload).Alert?.Kind == AlertKinds.OutboxEvicted;

    /// <summary>
    /// A broker with persistence and a relay-like subscriber holding a persistent session, so that
    /// after a graceful broker restart, messages published before the subscriber is back still reach it.
    /// </summary>
    private static async Task<(MosquittoBroker Broker, MqttCollector Collector)> StartBrokerWithRelaySessionAsync(bool allowAnonymous = true)
    {
        var broker = await MosquittoBroker.StartAsync(persistence: true, allowAnonymous: allowAnonymous, start: false);
        (string, string)? relay = null;
        if (!allowAnonymous)
        {
            await broker.AddUserAsync("relay", "relay-secret");
            await broker.AddUserAsync("edge", "edge-token");
            relay = ("relay", "relay-secret");
        }

        await broker.StartAsync();
        var collector = await MqttCollector.StartAsync(broker.Url, credentials: relay);
        return (broker, collector);
    }
}

/// <summary>Where the built <c>edgegw</c> lives (the test project builds it first).</summary>
internal static class EdgegwPaths
{
    public static string Dll
    {
        get
        {
            var configuration = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
            var path = Path.Combine(RepoPaths.Root, "edge", "EdgeGateway.Host", "bin", configuration, "net10.0", "edgegw.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException($"edgegw is not built at {path}; build edge/EdgeGateway.Host");
        }
    }
}
