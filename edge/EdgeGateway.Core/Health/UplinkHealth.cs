using EdgeGateway.Core.Outbox;

namespace EdgeGateway.Core.Health;

/// <summary>The outbox backlog and the broker link.</summary>
public sealed record UplinkHealth(
    bool Connected,
    string Broker,
    IReadOnlyDictionary<OutboxClass, long> Depth,
    double? OldestAgeSeconds,
    long Evictions,
    long Sent,
    string? LastError)
{
    /// <summary>The disk holds no more records (<c>storage_full</c>).</summary>
    public bool StorageFull { get; init; }

    /// <summary>Records parked as dead letters.</summary>
    public int DeadLetters { get; init; }
}
