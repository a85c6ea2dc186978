namespace EdgeGateway.Core.Outbox;

/// <summary>
/// The outbox's index entry for one stored message: everything but the payload, which stays on
/// disk until the send loop reads it.
/// </summary>
public sealed class OutboxEntry(long id, OutboxClass messageClass, Guid? alertId, long enqueuedAtMs, int size)
{
    /// <summary>What the store adds to each record on disk, counted against the budget.</summary>
    public const int Overhead = 64;

    /// <summary>Store-wide, strictly increasing; gives the order within a class.</summary>
    public long Id { get; } = id;

    public OutboxClass Class { get; } = messageClass;

    public Guid? AlertId { get; } = alertId;

    /// <summary>Unix milliseconds when the message was enqueued; drives time to live and age.</summary>
    public long EnqueuedAtMs { get; } = enqueuedAtMs;

    /// <summary>Payload length in bytes.</summary>
    public int Size { get; } = size;

    /// <summary>Bytes counted against the disk budget.</summary>
    public long BudgetBytes => Size + Overhead;
}
