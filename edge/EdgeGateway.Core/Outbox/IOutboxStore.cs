namespace EdgeGateway.Core.Outbox;

/// <summary>
/// Where the outbox keeps its records. The outbox decides what to keep, send and evict; the
/// store only makes records durable, reads payloads back and forgets removed records.
/// </summary>
public interface IOutboxStore : IDisposable
{
    /// <summary>
    /// Opens the store and recovers what it holds. <paramref name="written"/> is called once per
    /// appended record, in append order, as soon as the record can be read back.
    /// </summary>
    OutboxRecovery Open(Action<OutboxEntry> written);

    /// <summary>
    /// Appends one record. Completes once it is written, and when <paramref name="durable"/> is
    /// true only after it is on stable storage (fsync). Concurrent appends share one sync.
    /// </summary>
    ValueTask AppendAsync(OutboxEntry entry, ReadOnlyMemory<byte> payload, bool durable, CancellationToken cancellationToken = default);

    /// <summary>Reads a record's payload back, or null if the store can no longer read it.</summary>
    ReadOnlyMemory<byte>? ReadPayload(OutboxEntry entry);

    /// <summary>Forgets records (delivered, evicted or expired). Recorded on disk, synced soon after.</summary>
    void Remove(IReadOnlyList<long> ids, OutboxRemoval reason);

    /// <summary>
    /// Parks a record the far end will never take in the dead-letter class on disk (durably), then
    /// saves <paramref name="counters"/> (which carry its unreported notice), and removes it from
    /// the queue only once those counters are on disk. So a crash at any point leaves either the
    /// record queued with its letter (open finishes the move and reports it) or the report saved.
    /// Throws, changing nothing, when the letter cannot be written.
    /// </summary>
    void DeadLetter(OutboxEntry entry, ReadOnlyMemory<byte> payload, string reason, OutboxCounters counters);

    /// <summary>Bytes of queued records the disk can hold now (re-read as the disk changes); the outbox's budget never exceeds it.</summary>
    long CapacityBytes { get; }

    /// <summary>True while the disk under the store has no room above its reserve, or a write failed for lack of space.</summary>
    bool DiskFull { get; }

    /// <summary>Records parked as dead letters.</summary>
    int DeadLetterCount { get; }

    /// <summary>Saves the outbox's counters (evictions), so a restart does not forget them.</summary>
    void SaveCounters(OutboxCounters counters);

    /// <summary>Bytes the store occupies on disk now.</summary>
    long DiskBytes { get; }

    /// <summary>Waits until everything written so far is on stable storage.</summary>
    ValueTask FlushAsync(CancellationToken cancellationToken = default);
}

/// <summary>Why a record left the outbox.</summary>
public enum OutboxRemoval
{
    Delivered = 0,
    Evicted = 1,
    Expired = 2,
    Unreadable = 3,
    DeadLettered = 4,
}

/// <summary>What the store found when it opened.</summary>
/// <param name="Pending">Records still to send, in id order.</param>
/// <param name="NextId">The next free record id.</param>
/// <param name="Counters">Counters saved by the last run.</param>
/// <param name="Quarantined">Damaged files moved aside during recovery.</param>
public sealed record OutboxRecovery(
    IReadOnlyList<OutboxEntry> Pending,
    long NextId,
    OutboxCounters Counters,
    IReadOnlyList<QuarantineReport> Quarantined);

/// <summary>A damaged store file that was moved aside for inspection after its intact records were kept.</summary>
public sealed record QuarantineReport(
    string File,
    string QuarantinedAs,
    int IntactRecords,
    long DamagedBytes,
    string Reason);
