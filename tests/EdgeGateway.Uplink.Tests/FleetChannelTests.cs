using System.Collections.Concurrent;
using System.Text;
using EdgeGateway.Core.Configuration;
using EdgeGateway.Core.Outbox;
using EdgeGateway.Testing;
using EdgeGateway.Uplink.Configuration;
using EdgeGateway.Uplink.Mqtt;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeGateway.Uplink.Tests;

/// <summary>
/// The fleet configuration's side of the real MQTT link against a real Mosquitto: the box hears its own
/// <c>config/desired</c> (and only its own), again after the broker restarts (clean sessions resubscribe), and its
/// reports arrive on <c>config/reported</c>.
/// </summary>
[Trait("Category", "Integration")]
public sealed class FleetChannelTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task The_box_hears_its_own_desired_configuration_after_every_connect_and_its_reports_reach_the_relay()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await using var relay = await MqttCollector.StartAsync(broker.Url, "edge/+/+/config/reported");
        var received = new ConcurrentQueue<string>();
        var subscribed = 0;
        await using var transport = new MqttUplinkTransport(
            new UplinkOptions { Broker = broker.Url, ReconnectMinMs = 100, ReconnectMaxMs = 500 },
            new DeviceOptions { Id = "kitchen-0042", Site = "xuhui-0193" },
            TimeProvider.System,
            NullLogger<MqttUplinkTransport>.Instance);
        var channel = transport;
        channel.DesiredReceived = payload => received.Enqueue(Encoding.UTF8.GetString(payload.Span));
        channel.Subscribed = () => Interlocked.Increment(ref subscribed);
        using var stop = new CancellationTokenSource();
        var running = transport.RunAsync(stop.Token);

        await Eventually.HoldsAsync(() => Volatile.Read(ref subscribed) == 1, Patience, "the first subscription");
        await PublishAsync(broker.Url, "edge/xuhui-0193/kitchen-0099/config/desired", "{\"version\": 1}");
        await PublishAsync(broker.Url, "edge/xuhui-0193/kitchen-0042/config/desired", "{\"version\": 2}");
        await Eventually.HoldsAsync(() => !received.IsEmpty, Patience, "the device's desired configuration");

        await broker.StopAsync();
        await broker.StartAsync();
        await Eventually.HoldsAsync(() => Volatile.Read(ref subscribed) == 2, Patience, "the subscription after the broker restarted");
        await PublishAsync(broker.Url, "edge/xuhui-0193/kitchen-0042/config/desired", "{\"version\": 3}");
        await Eventually.HoldsAsync(() => received.Count == 2, Patience, "the desired configuration after the broker restarted");
        var sent = await channel.ReportAsync("{\"version\": 3, \"status\": \"pending\"}"u8.ToArray(), CancellationToken.None);
        await relay.WaitForAsync(r => r.Messages.Count > 0, Patience);

        Assert.Equal(["{\"version\": 2}", "{\"version\": 3}"], received.ToArray());
        Assert.Equal(UplinkSendOutcome.Confirmed, sent.Outcome);
        var report = Assert.Single(relay.Messages);
        Assert.Equal("edge/xuhui-0193/kitchen-0042/config/reported", report.Topic);
        await stop.CancelAsync();
        await running;
    }

    private static async Task PublishAsync(string url, string topic, string payload)
    {
        var uri = new Uri(url);
        using var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(uri.Host, uri.Port).WithClientId("relay-" + Guid.NewGuid().ToString("N")).Build());
        await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        await client.DisconnectAsync();
    }
}
