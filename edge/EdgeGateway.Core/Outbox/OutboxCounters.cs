namespace EdgeGateway.Core.Outbox;

/// <summary>
/// Eviction and expiry counts per class (indexed by <see cref="OutboxClass"/>), kept across
/// restarts. <see cref="UnreportedEvictions"/> and <see cref="UnreportedQuarantines"/> are those
/// not yet sent upstream as <c>outbox_evicted</c> / <c>outbox_quarantined</c> alerts.
/// </summary>
public sealed record OutboxCounters(
    IReadOnlyList<long> Evictions,
    IReadOnlyList<long> UnreportedEvictions,
    IReadOnlyList<long> Expired,
    IReadOnlyList<QuarantineReport> UnreportedQuarantines)
{
    public const int Classes = 4;

    public static OutboxCounters Empty { get; } = new(new long[Classes], new long[Classes], new long[Classes], []);
}
