using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using CloudRelay.Ingest;
using EdgeGateway.Contracts;
using EdgeGateway.Contracts.Fleet;
using EdgeGateway.Testing;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace CloudRelay.Tests;

/// <summary>Fleet configuration through a real Mosquitto with the relay on its shared subscription.</summary>
[Trait("Category", "Integration")]
public sealed class FleetExternalBrokerTests
{
    [Fact]
    public async Task Online_devices_get_their_desired_configuration_through_the_external_broker_and_their_reports_are_stored()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await using var relay = await RelayTestHost.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Mqtt:Broker"] = broker.Url,
            ["Mqtt:InstanceId"] = "fleet-1",
        });
        var subscriber = relay.App.Services.GetRequiredService<SharedSubscriber>();
        await TestAlerts.WaitUntilAsync(() => Task.FromResult(subscriber.IsSubscribed), TimeSpan.FromSeconds(30), "the relay's shared subscription");
        await relay.AddDeviceAsync("s1", "early");
        await relay.AddDeviceAsync("s1", "late");

        // Online before the change: the change reaches it.
        var (early, earlyReceived) = await BoxAsync(broker, "early");
        using var earlyClient = early;
        await TestAlerts.WaitUntilAsync(async () => (await relay.Store.FindDeviceAsync("s1", "early", default))?.Online == true,
            TimeSpan.FromSeconds(20), "the relay to see the box online");
        var version = await FleetConfigTests.PutAsync(relay.Http, "all", """{"Outbox": {"MaxItems": 9}}""");
        var desired = await FleetConfigTests.NextAsync(earlyReceived, "the desired configuration through the broker");
        Assert.Equal(version, desired.Version);
        Assert.Equal("""{"Outbox":{"MaxItems":9}}""", desired.Document.ToJsonString());

        // Online after the change: its birth message brings it.
        var (late, lateReceived) = await BoxAsync(broker, "late");
        using var lateClient = late;
        Assert.Equal(version, (await FleetConfigTests.NextAsync(lateReceived, "the desired configuration of a box that came online after the change")).Version);

        var report = new ConfigReport(version, desired.Sha256, FleetConfigStatus.RolledBack, ["gate alarms_flowing failed: 0 alarms in 2 min"], [new FleetGate("alarms_flowing", false, "0")], 1);
        await early.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(EdgeTopic.Format("edge", "s1", "early", EdgeChannel.ConfigReported))
            .WithPayload(report.Encode()).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        await TestAlerts.WaitUntilAsync(async () => (await relay.Http.GetJsonAsync<JsonObject>("/api/fleet/devices/s1/early/config"))["reported"] is not null,
            TimeSpan.FromSeconds(20), "the report to be stored");
        var shown = await relay.Http.GetJsonAsync<JsonObject>("/api/fleet/devices/s1/early/config");
        Assert.Equal("rolled_back", shown["reported"]!["status"]!.GetValue<string>());
        Assert.Equal("gate alarms_flowing failed: 0 alarms in 2 min", shown["reported"]!["lines"]![0]!.GetValue<string>());
    }

    private static async Task<(IMqttClient Client, ConcurrentQueue<DesiredConfig> Received)> BoxAsync(MosquittoBroker broker, string device)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var received = FleetConfigTests.Collect(client);
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", broker.Port)
            .WithProtocolVersion(MqttProtocolVersion.V500).WithClientId($"edgegw-s1-{device}").Build());
        await FleetConfigTests.SubscribeDesiredAsync(client, "s1", device);
        // The box's birth message, as its uplink sends it once connected.
        await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(EdgeTopic.Format("edge", "s1", device, EdgeChannel.State))
            .WithPayload("online").WithRetainFlag().WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        return (client, received);
    }
}
