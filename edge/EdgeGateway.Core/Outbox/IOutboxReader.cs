namespace EdgeGateway.Core.Outbox;

/// <summary>
/// The send loop's side of the outbox: what to send next and what became of each record.
/// <see cref="DurableOutbox"/> is the implementation.
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
    /// until <see cref="IOutboxConditions.MarkDeadLetterReported"/>. Throws (the record stays in
    /// flight) when the letter cannot be written.
    /// </summary>
    void DeadLetter(OutboxEntry entry, string reason);
}
