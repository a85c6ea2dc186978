using System.Text.Json.Nodes;
using EdgeGateway.Contracts.Fleet;
using EdgeGateway.Host.Fleet;
using EdgeGateway.Host.Tests.Setup;
using EdgeGateway.Testing;
using MQTTnet;
using MQTTnet.Protocol;
using Xunit.Abstractions;

namespace EdgeGateway.Host.Tests.Fleet;

/// <summary>
/// The relay's side played by a test against a real <c>edgegw run</c> process and a real Mosquitto broker: a desired
/// document published on the box's <c>config/desired</c>, and what the box says on <c>config/reported</c>.
/// </summary>
[Trait("Category", "Integration")]
public sealed class FleetRunTests(ITestOutputHelper output) : IDisposable
{
    private const string Site = "xuhui-0193";
    private const string Device = "kitchen-0042";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private readonly TempDir _dir = new();

    [Fact]
    public async Task A_valid_document_is_pending_then_applied_and_an_invalid_one_is_refused_while_the_box_keeps_running()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await using var relay = await MqttCollector.StartAsync(broker.Url, $"edge/{Site}/{Device}/config/reported");
        using var box = EdgegwRun.Start(WriteConfig(broker.Url, healthWatch: "00:00:03"));
        try
        {
            var valid = DesiredConfig.Of(1, new JsonObject { ["Outbox"] = new JsonObject { ["StatusTtl"] = "02:00:00" } });
            await PublishDesiredAsync(broker.Url, valid);
            var pending = await WaitForReportAsync(relay, 1, FleetConfigStatus.Pending);
            var applied = await WaitForReportAsync(relay, 1, FleetConfigStatus.Applied);

            Assert.Equal(valid.Sha256, pending.Sha256);
            Assert.Contains(applied.Gates, g => g is { Name: "uplink", Passed: true });
            Assert.All(applied.Gates, g => Assert.True(g.Passed, g.Value));

            var invalid = DesiredConfig.Of(2, new JsonObject { ["Uplink"] = new JsonObject { ["Window"] = 0 } });
            await PublishDesiredAsync(broker.Url, invalid);
            var refused = await WaitForReportAsync(relay, 2, FleetConfigStatus.Invalid);

            Assert.Contains("Uplink:Window = 0: expected 1..65535", refused.Lines);
            Assert.False(box.Process.HasExited, box.Output());
            Assert.Equal(1, Store().InForce()?.Version);

            // Still running and still listening: the next valid version goes through.
            await PublishDesiredAsync(broker.Url, DesiredConfig.Of(3, new JsonObject { ["Outbox"] = new JsonObject { ["StatusTtl"] = "03:00:00" } }));
            await WaitForReportAsync(relay, 3, FleetConfigStatus.Applied);
            Assert.Equal(3, Store().LastGood()?.Version);
        }
        finally
        {
            output.WriteLine(box.Output());
        }
    }

    [Fact]
    public async Task A_box_killed_during_its_health_watch_goes_back_to_its_last_good_configuration_after_the_maximum_failed_starts()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await using var relay = await MqttCollector.StartAsync(broker.Url, $"edge/{Site}/{Device}/config/reported");
        var config = WriteConfig(broker.Url, healthWatch: "00:10:00");
        var desired = DesiredConfig.Of(4, new JsonObject { ["Outbox"] = new JsonObject { ["StatusTtl"] = "02:00:00" } });
        await PublishDesiredAsync(broker.Url, desired);

        // Start 1 applies the document and dies in its watch; start 2 (one failed start) resumes the watch and dies too.
        for (var start = 1; start <= 2; start++)
        {
            var seen = Reports(relay).Count;
            using var box = EdgegwRun.Start(config);
            await relay.WaitForAsync(_ => Reports(relay).Skip(seen).Any(r => r.Version == 4 && r.Status == FleetConfigStatus.Pending), Patience, "a pending report");
            Assert.Equal(4, Store().InForce()?.Version);
            box.Process.Kill();
            await box.WaitForExitAsync(TimeSpan.FromSeconds(30));
            output.WriteLine($"start {start}: killed during the watch; {Store().Watch()}");
        }

        // Start 3 counts the second failed start and runs on the box's own file, saying so.
        using var last = EdgegwRun.Start(config);
        try
        {
            var rolledBack = await WaitForReportAsync(relay, 4, FleetConfigStatus.RolledBack);

            Assert.Equal("the service did not finish its health watch in 2 starts; back to the box's own config file", Assert.Single(rolledBack.Lines));
            Assert.Null(Store().InForce());
            Assert.Null(Store().Watch());
            Assert.False(last.Process.HasExited, last.Output());
        }
        finally
        {
            output.WriteLine(last.Output());
        }
    }

    public void Dispose() => _dir.Dispose();

    private FleetStore Store() => new(_dir.File("data"), line => throw new InvalidOperationException(line));

    private string WriteConfig(string broker, string healthWatch)
    {
        var config = new JsonObject
        {
            ["Device"] = new JsonObject { ["Id"] = Device, ["Site"] = Site },
            ["Storage"] = new JsonObject { ["DataDir"] = _dir.File("data") },
            ["Uplink"] = new JsonObject { ["Broker"] = broker, ["ReconnectMinMs"] = 100, ["ReconnectMaxMs"] = 1000 },
            ["Diagnostics"] = new JsonObject { ["Url"] = "http://127.0.0.1:0" },
            ["Fleet"] = new JsonObject { ["HealthWatch"] = healthWatch, ["MaxFailedStarts"] = 2 },
        };
        return EdgegwRun.WriteConfig(_dir.File("gateway.json"), config);
    }

    /// <summary>As the relay does, QoS 1; retained, so a box that connects later (or again) is handed it too.</summary>
    private static async Task PublishDesiredAsync(string url, DesiredConfig desired)
    {
        var uri = new Uri(url);
        using var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(uri.Host, uri.Port).WithClientId("relay-" + Guid.NewGuid().ToString("N")).Build());
        await client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic($"edge/{Site}/{Device}/config/desired")
            .WithPayload(desired.Encode())
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag()
            .Build());
        await client.DisconnectAsync();
    }

    private static List<ConfigReport> Reports(MqttCollector relay) =>
        [.. relay.Messages.Select(m => ConfigReport.TryDecode(m.Payload, out var report, out _) ? report : null).OfType<ConfigReport>()];

    private static async Task<ConfigReport> WaitForReportAsync(MqttCollector relay, long version, string status)
    {
        await relay.WaitForAsync(_ => Reports(relay).Any(r => r.Version == version && r.Status == status), Patience, $"report {status} of version {version}");
        return Reports(relay).First(r => r.Version == version && r.Status == status);
    }
}
