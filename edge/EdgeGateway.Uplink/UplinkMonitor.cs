using EdgeGateway.Core.Health;
using EdgeGateway.Core.Outbox;
using EdgeGateway.Uplink.Mqtt;

namespace EdgeGateway.Uplink;

/// <summary>Read side of the outbox and the MQTT link for the diagnostics page.</summary>
internal sealed class UplinkMonitor(DurableOutbox outbox, MqttUplinkTransport transport, OutboxForwarder forwarder) : IUplinkMonitor
{
    public UplinkHealth GetHealth()
    {
        var stats = outbox.GetStats();
        return new UplinkHealth(
            transport.IsConnected,
            transport.Broker,
            stats.Depth,
            stats.OldestAgeSeconds,
            stats.TotalEvictions,
            forwarder.Sent,
            forwarder.LastError ?? transport.LastError)
        {
            StorageFull = stats.StorageFull,
            DeadLetters = stats.DeadLetters,
        };
    }
}
