namespace EdgeGateway.Core.Outbox;

/// <summary>A point-in-time view of the outbox for stats, health and the diagnostics page.</summary>
public sealed record OutboxStats(
    IReadOnlyDictionary<OutboxClass, long> Depth,
    long QueuedBytes,
    long BudgetBytes,
    long DiskBytes,
    double? OldestAgeSeconds,
    IReadOnlyDictionary<OutboxClass, long> Evictions,
    long UnreportedEvictions,
    long Expired,
    long Delivered,
    int Quarantined)
{
    public long TotalDepth => Depth.Values.Sum();

    public long TotalEvictions => Evictions.Values.Sum();
}
