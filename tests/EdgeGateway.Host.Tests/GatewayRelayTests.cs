using System.Collections.Concurrent;
using CloudRelay.Hosting;
using CloudRelay.Tls;
using EdgeGateway.Core.Alerts;
using EdgeGateway.Core.Health;
using EdgeGateway.Core.Outbox;
using EdgeGateway.Host.Gateway;
using EdgeGateway.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.Host.Tests;

/// <summary>The gateway's real uplink (outbox on disk, MQTTnet bridge) into the relay's embedded broker.</summary>
[Trait("Category", "Integration")]
public sealed class GatewayRelayTests : IAsyncDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("gw-relay-").FullName;

    [Theory]
    [InlineData("cbor")]
    [InlineData("json")]
    public async Task Every_alert_the_gateway_publishes_is_stored_once_by_the_relay(string encoding)
    {
        const int count = 500;
        var port = FreePort.Next();
        await using var relay = await StartRelayAsync(port);
        var credentials = await relay.RegisterDeviceAsync("site-7", "gw-7");
        var stored = new ConcurrentDictionary<Guid, Alert>();
        var allStored = new TaskCompletionSource();
        relay.AlertFeed().AlertStored += (_, alert) =>
        {
            stored[alert.Alert.Id] = alert.Alert;
            if (stored.Count == count)
            {
                allStored.TrySetResult();
            }
        };

        await using var gateway = GatewayApp.Build(Settings(port, credentials.Username, credentials.Password, encoding));
        await gateway.StartAsync();
        var sink = gateway.Services.GetRequiredService<IAlertSink>();
        var published = new List<Alert>();
        for (var i = 0; i < count; i++)
        {
            published.Add(await sink.PublishAsync(new AlertDraft(AlertKinds.Test, AlertSeverity.Info, AlertState.Raised,
                new Dictionary<string, string> { ["n"] = i.ToString(System.Globalization.CultureInfo.InvariantCulture) })));
        }

        await allStored.Task.WaitAsync(TimeSpan.FromSeconds(60));
        await gateway.StopAsync();

        Assert.Equal(count, stored.Count);
        foreach (var alert in published)
        {
            Assert.Equal(alert, stored[alert.Id]);
        }

        Assert.Equal(0, relay.Counters().Duplicates);
    }

    [Fact]
    public async Task A_gateway_with_a_wrong_token_delivers_nothing_and_loses_nothing()
    {
        var port = FreePort.Next();
        await using var relay = await StartRelayAsync(port);
        var credentials = await relay.RegisterDeviceAsync("site-7", "gw-7");
        var storedCount = 0;
        relay.AlertFeed().AlertStored += (_, _) => Interlocked.Increment(ref storedCount);

        await using (var wrong = GatewayApp.Build(Settings(port, credentials.Username, "not-the-token", "cbor")))
        {
            await wrong.StartAsync();
            await wrong.Services.GetRequiredService<IAlertSink>().PublishAsync(new AlertDraft(AlertKinds.Trapped, AlertSeverity.Critical, AlertState.Raised));

            // Not merely slow: the relay refused the login, and the box says so and keeps the alarm.
            var uplink = wrong.Services.GetRequiredService<IUplinkMonitor>();
            await Eventually.HoldsAsync(() => relay.Counters().AuthFailures >= 1
                && uplink.GetHealth().LastError?.Contains("refused the login", StringComparison.Ordinal) == true,
                TimeSpan.FromSeconds(30), "the relay to refuse the wrong token");
            var health = uplink.GetHealth();
            Assert.False(health.Connected);
            Assert.Equal(1, health.Depth[OutboxClass.Alarm]);
            await wrong.StopAsync();
        }

        Assert.Equal(0, Volatile.Read(ref storedCount));

        // The same data folder with the right token: the alarm queued earlier still arrives.
        var arrived = new TaskCompletionSource<Alert>();
        relay.AlertFeed().AlertStored += (_, alert) => arrived.TrySetResult(alert.Alert);
        await using var right = GatewayApp.Build(Settings(port, credentials.Username, credentials.Password, "cbor"));
        await right.StartAsync();
        var alert = await arrived.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await right.StopAsync();

        Assert.Equal(AlertKinds.Trapped, alert.Kind);
    }

    [Fact]
    public async Task Over_tls_a_box_with_the_certs_init_CA_delivers_and_a_box_without_it_or_in_plain_text_is_refused()
    {
        var relayData = Path.Combine(_work, "relay-tls");
        var files = RelayCertificateAuthority.Init(Path.Combine(relayData, "tls"), ["relay.example.com"], force: false, TimeProvider.System);
        var tlsPort = FreePort.Next();
        // The relay's defaults: TLS only, with the certificate certs init left in its data folder.
        await using var relay = RelayHost.Build(new RelayStartOptions
        {
            MqttPort = FreePort.Next(),
            HttpUrl = "http://127.0.0.1:0",
            DataDir = relayData,
            LogLevel = LogLevel.Warning,
            Settings = new Dictionary<string, string?> { ["Mqtt:TlsPort"] = tlsPort.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        });
        await relay.StartAsync();
        var credentials = await relay.RegisterDeviceAsync("site-7", "gw-7");
        var stored = new ConcurrentDictionary<Guid, Alert>();
        relay.AlertFeed().AlertStored += (_, alert) => stored[alert.Alert.Id] = alert.Alert;

        async Task<(Alert Alert, string? Error)> SendAsync(string broker, string? caFile)
        {
            var settings = Settings(tlsPort, credentials.Username, credentials.Password, "cbor", broker, caFile);
            await using var gateway = GatewayApp.Build(settings);
            await gateway.StartAsync();
            var alert = await gateway.Services.GetRequiredService<IAlertSink>().PublishAsync(new AlertDraft(AlertKinds.Trapped, AlertSeverity.Critical, AlertState.Raised));
            var monitor = gateway.Services.GetRequiredService<EdgeGateway.Core.Health.IUplinkMonitor>();
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (!stored.ContainsKey(alert.Id) && monitor.GetHealth().LastError is null && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }

            var error = monitor.GetHealth().LastError;
            await gateway.StopAsync();
            return (alert, error);
        }

        var (trusted, trustedError) = await SendAsync($"mqtts://127.0.0.1:{tlsPort}", files.AuthorityCertificate);
        Assert.True(stored.ContainsKey(trusted.Id), $"the alert over TLS was not stored: {trustedError}");

        var (untrusted, untrustedError) = await SendAsync($"mqtts://127.0.0.1:{tlsPort}", caFile: null);
        Assert.False(stored.ContainsKey(untrusted.Id));
        Assert.Contains("TLS", untrustedError, StringComparison.Ordinal);

        var (plain, plainError) = await SendAsync($"mqtt://127.0.0.1:{tlsPort}", caFile: null);
        Assert.False(stored.ContainsKey(plain.Id));
        Assert.NotNull(plainError);
        Assert.Single(stored);
        await relay.StopAsync();
    }

    private IConfiguration Settings(int port, string username, string password, string encoding, string? broker = null, string? caFile = null) =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Device:Id"] = "gw-7",
            ["Device:Site"] = "site-7",
            ["Uplink:Broker"] = broker ?? $"mqtt://127.0.0.1:{port}",
            ["Uplink:CaFile"] = caFile,
            ["Uplink:Username"] = username,
            ["Uplink:Password"] = password,
            ["Uplink:Encoding"] = encoding,
            ["Storage:DataDir"] = Path.Combine(_work, "gateway"),
            ["Diagnostics:Url"] = "http://127.0.0.1:0",
        }).Build();

    /// <summary>The relay with its embedded broker and SQLite, as `cloud-relay run` starts it.</summary>
    private async Task<WebApplication> StartRelayAsync(int mqttPort)
    {
        var relay = RelayHost.Build(new RelayStartOptions
        {
            MqttPort = mqttPort,
            MqttBindAddress = "127.0.0.1",
            AllowPlaintext = true,
            HttpUrl = "http://127.0.0.1:0",
            DataDir = Path.Combine(_work, "relay"),
            LogLevel = LogLevel.Warning,
        });
        await relay.StartAsync();
        return relay;
    }

    public ValueTask DisposeAsync()
    {
        Directory.Delete(_work, recursive: true);
        return ValueTask.CompletedTask;
    }
}
