namespace EdgeGateway.Core.Outbox;

/// <summary>
/// The durable store-and-forward queue in front of the uplink. An alarm-class enqueue returns
/// only once the message is on disk.
/// </summary>
public interface IOutbox
{
    ValueTask EnqueueAsync(OutboxMessage message, CancellationToken cancellationToken = default);
}
