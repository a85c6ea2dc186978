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
    string? LastError);
