namespace EdgeGateway.Core.Outbox;

/// <summary>
/// The outbox conditions reported upstream (a full disk, evictions, quarantined files, dead
/// letters), each kept until its notice is durable. <see cref="DurableOutbox"/> is the implementation;
/// <see cref="OutboxNotices"/> the reader.
/// </summary>
public interface IOutboxConditions
{
    /// <summary>True while the disk holds no more records.</summary>
    bool StorageFull { get; }

    OutboxStats GetStats();

    bool HasUnreportedEvictions { get; }

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
