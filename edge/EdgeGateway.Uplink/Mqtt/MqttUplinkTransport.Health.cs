using System.Buffers;
using EdgeGateway.Core.Outbox;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeGateway.Uplink.Mqtt;

/// <summary>The health report on the same connection as the outbox: <c>…/health</c> out, and the link's own numbers.</summary>
public sealed partial class MqttUplinkTransport : IHealthChannel
{
    private long _lastRoundTripTicks = -1;

    public int Connections
    {
        get
        {
            lock (_gate)
            {
                return _connection;
            }
        }
    }

    public TimeSpan? LastRoundTrip => Interlocked.Read(ref _lastRoundTripTicks) is var ticks and >= 0
        ? TimeSpan.FromSeconds((double)ticks / _time.TimestampFrequency)
        : null;

    public Task<UplinkSendResult> PublishHealthAsync(ReadOnlyMemory<byte> report, CancellationToken cancellationToken) =>
        PublishConfirmedAsync(() => new MqttApplicationMessageBuilder()
            .WithTopic(_topics.Health)
            .WithPayload(new ReadOnlySequence<byte>(report))
            .WithContentType("application/cbor")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build(), cancellationToken);
}
