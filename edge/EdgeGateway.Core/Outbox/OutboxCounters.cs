namespace EdgeGateway.Core.Outbox;

/// <summary>
/// Eviction and expiry counts per class (indexed by <see cref="OutboxClass"/>), kept across
/// restarts. <see cref="UnreportedEvictions"/>, <see cref="UnreportedQuarantines"/> and
/// <see cref="UnreportedDeadLetters"/> are those not yet sent upstream as <c>outbox_evicted</c> /
/// <c>outbox_quarantined</c> / <c>outbox_dead_letter</c> alerts.
/// </summary>
public sealed record OutboxCounters(
    IReadOnlyList<long> Evictions,
    IReadOnlyList<long> UnreportedEvictions,
    IReadOnlyList<long> Expired,
    IReadOnlyList<QuarantineReport> UnreportedQuarantines)
{
    public const int Classes = 4;

    public static OutboxCounters Empty { get; } = new(new long[Classes], new long[Classes], new long[Classes], []);

    /// <summary>Records moved to dead letters whose <c>outbox_dead_letter</c> notice is not yet in the outbox.</summary>
    public IReadOnlyList<DeadLetterReport> UnreportedDeadLetters { get; init; } = [];
}

/// <summary>A record moved to dead letters, as its <c>outbox_dead_letter</c> notice tells it.</summary>
/// <param name="Record">The record's id in the outbox (and its dead-letter file).</param>
/// <param name="Class">Its outbox class.</param>
/// <param name="AlertId">The alert it carried, if any.</param>
/// <param name="Reason">Why the far end will not take it.</param>
public sealed record DeadLetterReport(long Record, OutboxClass Class, Guid? AlertId, string Reason);
