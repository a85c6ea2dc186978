using EdgeGateway.Core.Outbox;

namespace EdgeGateway.Core.Ports;

/// <summary>
/// The send loop's side of the outbox: what to send next, what became of each record, and the
/// outbox conditions the loop reports upstream. <see cref="DurableOutbox"/> is the implementation.
/// </summary>
public interface IOutboxReader
{
    /// <summary>Waits for the next record to send: the oldest of the highest class.</summary>
    ValueTask<OutboxEntry> TakeAsync(CancellationToken cancellationToken);

    /// <summary>A taken record's payload; null if the store lost it (the record is then dropped).</summary>
    ReadOnlyMemory<byte>? ReadPayload(OutboxEntry entry);

    /// <summary>The transport confirmed the record: it leaves the outbox.</summary>
    void Acknowledge(OutboxEntry entry);

    /// <summary>The record was not confirmed: it goes back in its place, to be sent again.</summary>
    void Requeue(OutboxEntry entry);

    /// <summary>
    /// The far end will never take the record: it moves to dead letters, and its report is kept
    /// until <see cref="MarkDeadLetterReported"/>. Throws (the record stays in flight) when the
    /// letter cannot be written.
    /// </summary>
    void DeadLetter(OutboxEntry entry, string reason);

    /// <summary>True while the disk holds no more records.</summary>
    bool StorageFull { get; }

    bool HasUnreportedEvictions { get; }

    OutboxStats GetStats();

    /// <summary>Eviction counts per class not yet reported upstream, or null if there are none.</summary>
    IReadOnlyList<long>? PeekUnreportedEvictions();

    /// <summary>Marks evictions as reported once the <c>outbox_evicted</c> alert is durable.</summary>
    void MarkEvictionsReported(IReadOnlyList<long> counts);

    /// <summary>Quarantined store files not yet reported upstream.</summary>
    IReadOnlyList<QuarantineReport> PeekUnreportedQuarantines();

    void MarkQuarantineReported(QuarantineReport report);

    /// <summary>True while some dead letters have not been reported upstream yet.</summary>
    bool HasUnreportedDeadLetters { get; }

    /// <summary>Dead letters whose <c>outbox_dead_letter</c> notice is not yet in the outbox.</summary>
    IReadOnlyList<DeadLetterReport> PeekUnreportedDeadLetters();

    /// <summary>Forgets a dead letter's report once its notice is durable in the outbox.</summary>
    void MarkDeadLetterReported(DeadLetterReport report);
}
