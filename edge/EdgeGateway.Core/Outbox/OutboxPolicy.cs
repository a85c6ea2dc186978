namespace EdgeGateway.Core.Outbox;

/// <summary>How much the outbox may keep, and for how long.</summary>
public sealed record OutboxPolicy
{
    /// <summary>Bytes of queued records (payload plus per-record overhead) before eviction starts.</summary>
    public long BudgetBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>The largest single payload accepted.</summary>
    public int MaxMessageBytes { get; init; } = 1024 * 1024;

    public TimeSpan AlarmTtl { get; init; } = TimeSpan.FromDays(30);

    public TimeSpan StatusTtl { get; init; } = TimeSpan.FromHours(1);

    public TimeSpan SnapshotTtl { get; init; } = TimeSpan.FromDays(2);

    public TimeSpan TelemetryTtl { get; init; } = TimeSpan.FromHours(6);

    /// <summary>When true, every class waits for fsync, not only alarms.</summary>
    public bool SyncAllClasses { get; init; }

    public TimeSpan TtlOf(OutboxClass messageClass) => messageClass switch
    {
        OutboxClass.Alarm => AlarmTtl,
        OutboxClass.Status => StatusTtl,
        OutboxClass.Snapshot => SnapshotTtl,
        _ => TelemetryTtl,
    };
}
