using EdgeGateway.Contracts.Telemetry;
using EdgeGateway.Core.Alerts;
using EdgeGateway.Core.Health;
using EdgeGateway.Core.Outbox;
using EdgeGateway.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.Uplink.Tests;

[Trait("Category", "Integration")]
public sealed class UplinkHostTests
{
    [Fact]
    public async Task An_alert_published_through_AddEdgeUplink_arrives_on_its_topic_with_its_id_and_the_device_says_online_then_offline()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await using var collector = await MqttCollector.StartAsync(broker.Url);
        using var data = new TempDirectory();
        using var host = UplinkHost.Build(broker.Url, data.Path);
        await host.StartAsync();

        var sink = host.Services.GetRequiredService<IAlertSink>();
        var alert = await sink.PublishAsync(new AlertDraft(AlertKinds.Trapped, AlertSeverity.Critical, AlertState.Raised,
            new Dictionary<string, string> { ["floor"] = "7" }));

        await collector.WaitForUniqueAlertsAsync(1, TimeSpan.FromSeconds(15));
        var received = Assert.Single(collector.Messages, m => m.Topic == $"edge/{UplinkHost.Site}/{UplinkHost.Device}/alert");
        Assert.Equal(alert.Id.ToString("D"), received.AlertId);
        Assert.Equal("application/cbor", received.ContentType);
        Assert.Equal(alert, AlertCbor.Decode(received.Payload).Alert);
        await collector.WaitForAsync(c => c.Messages.Any(m => m.Topic.EndsWith("/state", StringComparison.Ordinal)), TimeSpan.FromSeconds(15));
        Assert.Contains(collector.Messages, m => m.Topic == $"edge/{UplinkHost.Site}/{UplinkHost.Device}/state" && m.Text == "online");

        var health = host.Services.GetRequiredService<IUplinkMonitor>().GetHealth();
        Assert.True(health.Connected);
        Assert.Equal(broker.Url, health.Broker);
        await WaitForAsync(() => host.Services.GetRequiredService<IUplinkMonitor>().GetHealth().Depth[OutboxClass.Alarm] == 0);

        await host.StopAsync();
        await collector.WaitForAsync(c => c.Messages.Any(m => m.Text == "offline"), TimeSpan.FromSeconds(15));
        Assert.Equal("offline", collector.Messages.Last(m => m.Topic.EndsWith("/state", StringComparison.Ordinal)).Text);
    }

    [Fact]
    public async Task The_box_reports_its_backlog_past_the_queue_while_alarms_wait_and_again_once_they_drained()
    {
        using var data = new TempDirectory();
        var topic = $"edge/{UplinkHost.Site}/{UplinkHost.Device}/telemetry";
        // First a broker whose ACL refuses the box's alerts (PUBACK "not authorized"): the alarms stay queued.
        var acl = Path.Combine(data.Path, "acl");
        await File.WriteAllTextAsync(acl, $"topic read edge/#\ntopic write {topic}\ntopic write edge/{UplinkHost.Site}/{UplinkHost.Device}/state\n");
        var refusing = await MosquittoBroker.StartAsync($"acl_file {acl}");
        var port = refusing.Port;
        using var host = UplinkHost.Build(refusing.Url, Path.Combine(data.Path, "box"), new Dictionary<string, string?> { ["Uplink:BacklogReportInterval"] = "00:00:01" });
        await using (refusing)
        {
            await using var watcher = await MqttCollector.StartAsync(refusing.Url);
            await host.StartAsync();
            var sink = host.Services.GetRequiredService<IAlertSink>();
            for (var i = 0; i < 300; i++)
            {
                await sink.PublishAsync(new AlertDraft(AlertKinds.Test, AlertSeverity.Info, AlertState.Raised, null));
            }

            await watcher.WaitForAsync(c => Reports(c, topic).Any(r => r.Depth == 300), TimeSpan.FromSeconds(30));
            Assert.Equal(0, watcher.UniqueAlerts);
            Assert.All(Reports(watcher, topic), r => Assert.Equal((UplinkHost.Site, UplinkHost.Device), (r.Site, r.Device)));
        }

        // Then a broker that takes them: the backlog drains, and a later report says so.
        await using var broker = await MosquittoBroker.StartAsync(port: port);
        await using var collector = await MqttCollector.StartAsync(broker.Url);
        await collector.WaitForAsync(c => Reports(c, topic).Any(r => r.Depth == 0), TimeSpan.FromSeconds(30));
        await host.StopAsync();
    }

    private static List<BacklogReport> Reports(MqttCollector collector, string topic) =>
        collector.Messages.Where(m => m.Topic == topic).Select(m => BacklogReport.TryRead(m.Payload)).OfType<BacklogReport>().ToList();

    [Fact]
    public async Task Json_encoding_sends_alerts_as_json()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await using var collector = await MqttCollector.StartAsync(broker.Url);
        using var data = new TempDirectory();
        using var host = UplinkHost.Build(broker.Url, data.Path, new() { ["Uplink:Encoding"] = "json" });
        await host.StartAsync();

        var alert = await host.Services.GetRequiredService<IAlertSink>()
            .PublishAsync(new AlertDraft(AlertKinds.NoMask, AlertSeverity.Warning, AlertState.Raised));

        await collector.WaitForUniqueAlertsAsync(1, TimeSpan.FromSeconds(15));
        var received = Assert.Single(collector.Messages, m => m.Topic.EndsWith("/alert", StringComparison.Ordinal));
        Assert.Equal("application/json", received.ContentType);
        Assert.Equal(alert, AlertJson.Decode(received.Payload).Alert);
        await host.StopAsync();
    }

    [Fact]
    public void Bad_configuration_names_every_wrong_key_with_its_value()
    {
        using var data = new TempDirectory();
        using var host = UplinkHost.Build("http://example.com", data.Path, new()
        {
            ["Device:Id"] = "",
            ["Uplink:Encoding"] = "xml",
            ["Outbox:BudgetMB"] = "0",
        });

        var error = Assert.ThrowsAny<Exception>(() => host.StartAsync().GetAwaiter().GetResult());
        var failures = error is AggregateException aggregate ? aggregate.Flatten().InnerExceptions : [error];
        var text = string.Join("\n", failures.OfType<Microsoft.Extensions.Options.OptionsValidationException>().SelectMany(e => e.Failures));
        Assert.Contains($"Device:Id = '': {DeviceNames.Expected}", text);
        Assert.Contains("Uplink:Broker = 'http://example.com'", text);
        Assert.Contains("Uplink:Encoding = 'xml': expected cbor or json", text);
        Assert.Contains("Outbox:BudgetMB = 0", text);
    }

    private static Task WaitForAsync(Func<bool> condition, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(condition))] string? what = null) =>
        Eventually.HoldsAsync(condition, TimeSpan.FromSeconds(10), what);
}

/// <summary>A generic host with only the uplink wired, as <c>edgegw run</c> would wire it.</summary>
internal static class UplinkHost
{
    public const string Site = "site-1";
    public const string Device = "dev-1";

    public static Dictionary<string, string?> Config(string brokerUrl, string dataDir, Dictionary<string, string?>? extra = null)
    {
        var config = new Dictionary<string, string?>
        {
            ["Device:Id"] = Device,
            ["Device:Site"] = Site,
            ["Uplink:Broker"] = brokerUrl,
            ["Uplink:ReconnectMinMs"] = "100",
            ["Uplink:ReconnectMaxMs"] = "1000",
            ["Storage:DataDir"] = dataDir,
        };
        foreach (var (key, value) in extra ?? [])
        {
            config[key] = value;
        }

        return config;
    }

    /// <param name="services">Registrations made before the uplink's own, which then stand (e.g. a sink that fails on purpose).</param>
    public static IHost Build(
        string brokerUrl, string dataDir, Dictionary<string, string?>? extra = null, CapturingLoggerProvider? logs = null,
        Action<IServiceCollection>? services = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(Config(brokerUrl, dataDir, extra));
        if (logs is not null)
        {
            builder.Logging.AddProvider(logs);
        }

        services?.Invoke(builder.Services);
        builder.Services.AddEdgeUplink(builder.Configuration);
        return builder.Build();
    }
}
