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
    /// <summary>The disk holds no more records: alarms evict lower classes, then are refused.</summary>
    public bool StorageFull { get; init; }

    /// <summary>Bytes of records the disk can hold now.</summary>
    public long CapacityBytes { get; init; } = long.MaxValue;

    /// <summary>Records parked as dead letters (refused by the far end).</summary>
    public int DeadLetters { get; init; }

    /// <summary>Dead letters whose <c>outbox_dead_letter</c> notice has not reached the outbox yet (kept in the counters until it has).</summary>
    public int UnreportedDeadLetters { get; init; }

    public long TotalDepth => Depth.Values.Sum();

    public long TotalEvictions => Evictions.Values.Sum();
}
