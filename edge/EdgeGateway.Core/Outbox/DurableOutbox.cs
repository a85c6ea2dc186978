using Microsoft.Extensions.Logging;

namespace EdgeGateway.Core.Outbox;

/// <summary>
/// The store-and-forward queue in front of the uplink: priority classes, time to live per class,
/// a byte budget with eviction, and the take/ack/return cycle the send loop drives. A record
/// leaves only when the transport confirmed it, it expired, or the budget forced it out.
/// Storage is behind <see cref="IOutboxStore"/>.
/// </summary>
public sealed partial class DurableOutbox : IOutbox, IOutboxReader, IOutboxConditions, IDisposable
{
    private const int ClassCount = OutboxCounters.Classes;

    private static readonly OutboxClass[] LowestFirst =
        [OutboxClass.Telemetry, OutboxClass.Snapshot, OutboxClass.Status, OutboxClass.Alarm];

    private readonly IOutboxStore _store;
    private readonly OutboxPolicy _policy;
    private readonly TimeProvider _time;
    private readonly ILogger<DurableOutbox> _logger;
    private readonly Lock _gate = new();
    private readonly SortedSet<OutboxEntry>[] _pending = new SortedSet<OutboxEntry>[ClassCount];
    private readonly Dictionary<long, OutboxEntry> _inFlight = [];
    private readonly long[] _depth = new long[ClassCount];
    private readonly long[] _pendingBytes = new long[ClassCount];
    private readonly long[] _evictions = new long[ClassCount];
    private readonly long[] _unreportedEvictions = new long[ClassCount];
    private readonly long[] _expired = new long[ClassCount];
    private readonly List<QuarantineReport> _unreportedQuarantines = [];
    private readonly List<DeadLetterReport> _unreportedDeadLetters = [];
    private readonly HashSet<long> _parking = [];
    private int _reportable;
    private int _quarantinedThisRun;
    private TaskCompletionSource _wake = NewSignal();
    private bool _takerWaiting;
    private long _queuedBytes;
    private long _nextId;
    private long _delivered;
    private long _deadLettered;
    private bool _capacityFull;

    private DurableOutbox(IOutboxStore store, OutboxPolicy policy, TimeProvider time, ILogger<DurableOutbox> logger)
    {
        _store = store;
        _policy = policy;
        _time = time;
        _logger = logger;
        for (var i = 0; i < ClassCount; i++)
        {
            _pending[i] = new SortedSet<OutboxEntry>(ById.Instance);
        }
    }

    /// <summary>
    /// Opens the store (replaying what it holds, which can be megabytes on a slow card) and returns
    /// the outbox with every record that was not yet delivered back in its queue.
    /// </summary>
    public static async Task<DurableOutbox> OpenAsync(
        IOutboxStore store, OutboxPolicy policy, TimeProvider time, ILogger<DurableOutbox> logger, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(policy);
        var outbox = new DurableOutbox(store, policy, time, logger);
        var recovery = await Task.Run(() => store.Open(outbox.OnWritten), cancellationToken).ConfigureAwait(false);
        outbox.Recover(recovery);
        return outbox;
    }

    private void Recover(OutboxRecovery recovery)
    {
        _nextId = recovery.NextId;
        Copy(recovery.Counters.Evictions, _evictions);
        Copy(recovery.Counters.UnreportedEvictions, _unreportedEvictions);
        Copy(recovery.Counters.Expired, _expired);
        _unreportedQuarantines.AddRange([.. recovery.Counters.UnreportedQuarantines, .. recovery.Quarantined]);
        _unreportedDeadLetters.AddRange(recovery.Counters.UnreportedDeadLetters);
        CountReportable();
        _quarantinedThisRun = recovery.Quarantined.Count;
        foreach (var entry in recovery.Pending)
        {
            Account(entry, +1);
            AddPending(entry);
        }

        foreach (var report in recovery.Quarantined)
        {
            Log.Quarantined(_logger, report.File, report.QuarantinedAs, report.IntactRecords, report.DamagedBytes, report.Reason);
        }

        if (recovery.Quarantined.Count > 0)
        {
            SaveCounters();
        }

        if (recovery.Pending.Count > 0)
        {
            Log.Recovered(_logger, recovery.Pending.Count);
        }
    }

    public OutboxPolicy Policy => _policy;

    /// <summary>True when some evictions have not been reported upstream yet.</summary>
    public bool HasUnreportedEvictions
    {
        get
        {
            lock (_gate)
            {
                return _unreportedEvictions.Any(count => count > 0);
            }
        }
    }

    public async ValueTask EnqueueAsync(OutboxMessage message, CancellationToken cancellationToken = default)
    {
        if (!Enum.IsDefined(message.Class))
        {
            throw new ArgumentException($"outbox class {(int)message.Class} is unknown; expected alarm, status, snapshot or telemetry", nameof(message));
        }

        if (message.Payload.Length > _policy.MaxMessageBytes)
        {
            throw new ArgumentException(
                $"outbox message is {message.Payload.Length} bytes; expected at most {_policy.MaxMessageBytes} (Outbox:MaxMessageBytes)",
                nameof(message));
        }

        cancellationToken.ThrowIfCancellationRequested();
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        Removals? removals = null;
        OutboxEntry entry;
        bool admitted;
        var capacity = _store.CapacityBytes;
        lock (_gate)
        {
            entry = new OutboxEntry(_nextId++, message.Class, message.AlertId, now, message.Payload.Length);
            admitted = MakeRoom(entry, now, capacity, ref removals);
            if (admitted)
            {
                Account(entry, +1);
            }
            else if (entry.Class != OutboxClass.Alarm)
            {
                // A refused alarm is not an eviction: its caller is told (OutboxStorageFullException).
                _evictions[(int)entry.Class]++;
                _unreportedEvictions[(int)entry.Class]++;
            }
        }

        Apply(removals);
        if (!admitted)
        {
            if (entry.Class == OutboxClass.Alarm)
            {
                Log.StorageFull(_logger, entry.Size, capacity);
                throw new OutboxStorageFullException(
                    $"outbox storage is full: {capacity / 1024} KiB of records fit on this disk now and alarms are not evicted for lack of disk; the alarm was not stored (free space, or wait for the uplink to drain the backlog)");
            }

            Log.DroppedIncoming(_logger, entry.Class, entry.Size);
            SaveCounters();
            return;
        }

        try
        {
            var durable = entry.Class == OutboxClass.Alarm || _policy.SyncAllClasses;
            await _store.AppendAsync(entry, message.Payload, durable, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            lock (_gate)
            {
                Account(entry, -1);
            }

            throw;
        }
    }

    /// <summary>Waits for the next record to send: the oldest of the highest class. Expired records are dropped on the way.</summary>
    public async ValueTask<OutboxEntry> TakeAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task signal;
            Removals? removals = null;
            OutboxEntry? taken = null;
            var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
            lock (_gate)
            {
                for (var c = 0; c < ClassCount && taken is null; c++)
                {
                    var set = _pending[c];
                    while (set.Count > 0)
                    {
                        var entry = set.Min!;
                        RemovePending(entry);
                        if (IsExpired(entry, now))
                        {
                            Account(entry, -1);
                            _expired[c]++;
                            (removals ??= new Removals()).Expired.Add(entry.Id);
                            continue;
                        }

                        _inFlight[entry.Id] = entry;
                        taken = entry;
                        break;
                    }
                }

                if (taken is null)
                {
                    _takerWaiting = true;
                }

                signal = _wake.Task;
            }

            Apply(removals);
            if (taken is not null)
            {
                return taken;
            }

            await signal.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads a taken record's payload. Null if the store lost it; the record is then dropped and logged.</summary>
    public ReadOnlyMemory<byte>? ReadPayload(OutboxEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var payload = _store.ReadPayload(entry);
        if (payload is null)
        {
            lock (_gate)
            {
                if (_inFlight.Remove(entry.Id))
                {
                    Account(entry, -1);
                }
            }

            Log.Unreadable(_logger, entry.Id, entry.Class);
            _store.Remove([entry.Id], OutboxRemoval.Unreadable);
        }

        return payload;
    }

    /// <summary>The transport confirmed the record: it leaves the outbox.</summary>
    public void Acknowledge(OutboxEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        lock (_gate)
        {
            if (!_inFlight.Remove(entry.Id))
            {
                return;
            }

            Account(entry, -1);
            _delivered++;
        }

        _store.Remove([entry.Id], OutboxRemoval.Delivered);
    }

    /// <summary>
    /// The far end will never take this record: it moves to the dead-letter class on disk and stops
    /// blocking the records behind it.
    /// </summary>
    /// <remarks>
    /// Its <c>outbox_dead_letter</c> notice is kept in the saved counters until
    /// <see cref="MarkDeadLetterReported"/>, so neither a failed publish nor a crash loses it. When
    /// the letter cannot be written (a full disk) this throws and the record stays in flight, for the
    /// caller to requeue.
    /// </remarks>
    public void DeadLetter(OutboxEntry entry, string reason)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(reason);
        var report = new DeadLetterReport(entry.Id, entry.Class, entry.AlertId, reason);
        OutboxCounters counters;
        lock (_gate)
        {
            if (!_inFlight.ContainsKey(entry.Id))
            {
                return;
            }

            // In every counters snapshot from now on, but not reported before its letter is on disk.
            _unreportedDeadLetters.RemoveAll(r => r.Record == entry.Id);
            _unreportedDeadLetters.Add(report);
            _parking.Add(entry.Id);
            CountReportable();
            counters = CountersLocked();
        }

        var payload = _store.ReadPayload(entry) ?? ReadOnlyMemory<byte>.Empty;
        try
        {
            _store.DeadLetter(entry, payload, reason, counters);
        }
        catch
        {
            lock (_gate)
            {
                _unreportedDeadLetters.Remove(report);
                _parking.Remove(entry.Id);
                CountReportable();
            }

            throw;
        }

        lock (_gate)
        {
            _parking.Remove(entry.Id);
            CountReportable();
            if (_inFlight.Remove(entry.Id))
            {
                Account(entry, -1);
                _deadLettered++;
            }
        }

        Log.DeadLettered(_logger, entry.Id, entry.Class, reason);
    }

    /// <summary>True while some dead letters have not been reported upstream yet.</summary>
    public bool HasUnreportedDeadLetters
    {
        get
        {
            // Read on every turn of the send loop: no lock.
            return Volatile.Read(ref _reportable) > 0;
        }
    }

    /// <summary>Dead letters whose <c>outbox_dead_letter</c> notice is not yet in the outbox, oldest first.</summary>
    public IReadOnlyList<DeadLetterReport> PeekUnreportedDeadLetters()
    {
        lock (_gate)
        {
            return [.. _unreportedDeadLetters.Where(r => !_parking.Contains(r.Record))];
        }
    }

    /// <summary>Forgets a dead letter's report once its <c>outbox_dead_letter</c> notice is durable in the outbox (which then sends it until the broker confirms it).</summary>
    public void MarkDeadLetterReported(DeadLetterReport report)
    {
        lock (_gate)
        {
            _unreportedDeadLetters.Remove(report);
            CountReportable();
        }

        SaveCounters();
    }

    /// <summary>
    /// True while the disk holds no more records (the budget is bound by the disk, not the policy):
    /// from when an alarm was refused, or the disk has less than 1 % (at least 4 KiB) of room left
    /// for records, until the queue is down to 90 % of what the disk holds.
    /// </summary>
    public bool StorageFull
    {
        get
        {
            var capacity = _store.CapacityBytes;
            lock (_gate)
            {
                if (!_capacityFull && capacity < _policy.BudgetBytes && NearlyFull(_queuedBytes, capacity))
                {
                    _capacityFull = true;
                }

                if (_capacityFull && _queuedBytes <= Math.Min(_policy.BudgetBytes, capacity) / 10 * 9)
                {
                    _capacityFull = false;
                }

                return _capacityFull || _store.DiskFull;
            }
        }
    }

    /// <summary>Less than 1 % (at least 4 KiB) of <paramref name="capacityBytes"/> is left for records: the storage_full threshold.</summary>
    public static bool NearlyFull(long queuedBytes, long capacityBytes) => queuedBytes + Math.Max(4096, capacityBytes / 100) > capacityBytes;

    /// <summary>The record was not confirmed: it goes back in its place, to be sent again.</summary>
    public void Requeue(OutboxEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        TaskCompletionSource? wake;
        lock (_gate)
        {
            if (!_inFlight.Remove(entry.Id))
            {
                return;
            }

            AddPending(entry);
            wake = SwapSignal();
        }

        wake?.TrySetResult();
    }

    /// <summary>Eviction counts per class not yet reported upstream, or null if there are none.</summary>
    public IReadOnlyList<long>? PeekUnreportedEvictions()
    {
        lock (_gate)
        {
            return _unreportedEvictions.Any(count => count > 0) ? [.. _unreportedEvictions] : null;
        }
    }

    /// <summary>Marks evictions as reported once the <c>outbox_evicted</c> alert is durable.</summary>
    public void MarkEvictionsReported(IReadOnlyList<long> counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        lock (_gate)
        {
            for (var c = 0; c < ClassCount; c++)
            {
                _unreportedEvictions[c] = Math.Max(0, _unreportedEvictions[c] - counts[c]);
            }
        }

        SaveCounters();
    }

    /// <summary>Quarantined files not yet reported upstream.</summary>
    public IReadOnlyList<QuarantineReport> PeekUnreportedQuarantines()
    {
        lock (_gate)
        {
            return [.. _unreportedQuarantines];
        }
    }

    public void MarkQuarantineReported(QuarantineReport report)
    {
        lock (_gate)
        {
            _unreportedQuarantines.Remove(report);
        }

        SaveCounters();
    }

    public OutboxStats GetStats()
    {
        var storageFull = StorageFull;
        var capacity = _store.CapacityBytes;
        var deadLetters = _store.DeadLetterCount;
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        lock (_gate)
        {
            long? oldest = null;
            foreach (var set in _pending)
            {
                if (set.Count > 0 && (oldest is null || set.Min!.EnqueuedAtMs < oldest))
                {
                    oldest = set.Min!.EnqueuedAtMs;
                }
            }

            foreach (var entry in _inFlight.Values)
            {
                if (oldest is null || entry.EnqueuedAtMs < oldest)
                {
                    oldest = entry.EnqueuedAtMs;
                }
            }

            return new OutboxStats(
                PerClass(_depth),
                _queuedBytes,
                _policy.BudgetBytes,
                _store.DiskBytes,
                oldest is null ? null : Math.Max(0, now - oldest.Value) / 1000.0,
                PerClass(_evictions),
                _unreportedEvictions.Sum(),
                _expired.Sum(),
                _delivered,
                _quarantinedThisRun)
            {
                StorageFull = storageFull,
                CapacityBytes = capacity,
                DeadLetters = deadLetters,
                UnreportedDeadLetters = _unreportedDeadLetters.Count - _parking.Count,
            };
        }
    }

    /// <summary>Waits until everything enqueued so far, and every acknowledgement, is on stable storage.</summary>
    public ValueTask FlushAsync(CancellationToken cancellationToken = default) => _store.FlushAsync(cancellationToken);

    public void Dispose() => _store.Dispose();

    private void OnWritten(OutboxEntry entry)
    {
        TaskCompletionSource? wake;
        lock (_gate)
        {
            AddPending(entry);
            wake = SwapSignal();
        }

        wake?.TrySetResult();
    }

    /// <summary>
    /// Frees budget for <paramref name="incoming"/>: expired records first, then the oldest of the
    /// lowest class, never a class above the incoming one; alarms go only when nothing else is left.
    /// Returns false when the incoming record itself must be dropped.
    /// </summary>
    private bool MakeRoom(OutboxEntry incoming, long now, long capacity, ref Removals? found)
    {
        // The disk, not only the policy, limits the budget; a full disk never evicts alarms for alarms.
        var diskBound = capacity < _policy.BudgetBytes;
        var budget = Math.Min(_policy.BudgetBytes, capacity);
        if (_queuedBytes + incoming.BudgetBytes <= budget)
        {
            if (_capacityFull && _queuedBytes + incoming.BudgetBytes <= budget / 10 * 9)
            {
                _capacityFull = false;
            }

            return true;
        }

        if (diskBound)
        {
            _capacityFull = true;
        }

        var removals = found ??= new Removals();

        foreach (var messageClass in LowestFirst)
        {
            var set = _pending[(int)messageClass];
            while (set.Count > 0 && IsExpired(set.Min!, now))
            {
                var entry = set.Min!;
                RemovePending(entry);
                Account(entry, -1);
                _expired[(int)messageClass]++;
                removals.Expired.Add(entry.Id);
            }
        }

        var evictable = 0L;
        foreach (var messageClass in LowestFirst)
        {
            if (messageClass < incoming.Class || (diskBound && messageClass == OutboxClass.Alarm))
            {
                break;
            }

            evictable += _pendingBytes[(int)messageClass];
        }

        if (_queuedBytes - evictable + incoming.BudgetBytes > budget)
        {
            return false;
        }

        foreach (var messageClass in LowestFirst)
        {
            var set = _pending[(int)messageClass];
            while (set.Count > 0 && _queuedBytes + incoming.BudgetBytes > budget)
            {
                var victim = set.Min!;
                RemovePending(victim);
                Account(victim, -1);
                _evictions[(int)messageClass]++;
                _unreportedEvictions[(int)messageClass]++;
                removals.Evicted.Add(victim.Id);
                removals.EvictedClasses.Add(messageClass);
            }

            if (_queuedBytes + incoming.BudgetBytes <= budget)
            {
                break;
            }
        }

        return true;
    }

    private void Apply(Removals? removals)
    {
        if (removals is null)
        {
            return;
        }

        if (removals.Expired.Count > 0)
        {
            _store.Remove(removals.Expired, OutboxRemoval.Expired);
            Log.Expired(_logger, removals.Expired.Count);
        }

        if (removals.Evicted.Count > 0)
        {
            _store.Remove(removals.Evicted, OutboxRemoval.Evicted);
            foreach (var messageClass in removals.EvictedClasses.Distinct())
            {
                Log.Evicted(_logger, removals.EvictedClasses.Count(c => c == messageClass), messageClass);
            }
        }

        if (removals.Expired.Count > 0 || removals.Evicted.Count > 0)
        {
            SaveCounters();
        }
    }

    private void SaveCounters()
    {
        OutboxCounters counters;
        lock (_gate)
        {
            counters = CountersLocked();
        }

        _store.SaveCounters(counters);
    }

    /// <summary>Dead letters whose notice may be sent now (parked, not yet reported); call under the lock.</summary>
    private void CountReportable() => Volatile.Write(ref _reportable, _unreportedDeadLetters.Count - _parking.Count);

    private OutboxCounters CountersLocked() =>
        new([.. _evictions], [.. _unreportedEvictions], [.. _expired], [.. _unreportedQuarantines])
        {
            UnreportedDeadLetters = [.. _unreportedDeadLetters],
        };

    private bool IsExpired(OutboxEntry entry, long now) =>
        now - entry.EnqueuedAtMs > (long)_policy.TtlOf(entry.Class).TotalMilliseconds;

    private void Account(OutboxEntry entry, int sign)
    {
        _depth[(int)entry.Class] += sign;
        _queuedBytes += sign * entry.BudgetBytes;
    }

    private void AddPending(OutboxEntry entry)
    {
        if (_pending[(int)entry.Class].Add(entry))
        {
            _pendingBytes[(int)entry.Class] += entry.BudgetBytes;
        }
    }

    private void RemovePending(OutboxEntry entry)
    {
        if (_pending[(int)entry.Class].Remove(entry))
        {
            _pendingBytes[(int)entry.Class] -= entry.BudgetBytes;
        }
    }

    /// <summary>Replaces the wake-up signal if a taker waits on it (call under the lock); the caller completes the old one outside.</summary>
    private TaskCompletionSource? SwapSignal()
    {
        if (!_takerWaiting)
        {
            return null;
        }

        _takerWaiting = false;
        var current = _wake;
        _wake = NewSignal();
        return current;
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static Dictionary<OutboxClass, long> PerClass(long[] values) =>
        Enum.GetValues<OutboxClass>().ToDictionary(c => c, c => values[(int)c]);

    private static void Copy(IReadOnlyList<long> from, long[] to)
    {
        for (var i = 0; i < Math.Min(from.Count, to.Length); i++)
        {
            to[i] = from[i];
        }
    }

    private sealed class Removals
    {
        public List<long> Expired { get; } = [];

        public List<long> Evicted { get; } = [];

        public List<OutboxClass> EvictedClasses { get; } = [];
    }

    private sealed class ById : IComparer<OutboxEntry>
    {
        public static ById Instance { get; } = new();

        public int Compare(OutboxEntry? x, OutboxEntry? y) => (x?.Id ?? long.MinValue).CompareTo(y?.Id ?? long.MinValue);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = CoreLogEvents.OutboxRecovered, Level = LogLevel.Information, Message = "Outbox recovered {Count} records still to send")]
        public static partial void Recovered(ILogger logger, int count);

        [LoggerMessage(EventId = CoreLogEvents.OutboxEvicted, Level = LogLevel.Warning, Message = "Outbox budget full: evicted {Count} {Class} records (oldest of the lowest class first)")]
        public static partial void Evicted(ILogger logger, int count, OutboxClass @class);

        [LoggerMessage(EventId = CoreLogEvents.OutboxDroppedIncoming, Level = LogLevel.Warning, Message = "Outbox budget full of higher classes: dropped an incoming {Class} record of {Bytes} bytes")]
        public static partial void DroppedIncoming(ILogger logger, OutboxClass @class, int bytes);

        [LoggerMessage(EventId = CoreLogEvents.OutboxExpired, Level = LogLevel.Information, Message = "Outbox dropped {Count} records past their time to live")]
        public static partial void Expired(ILogger logger, int count);

        [LoggerMessage(EventId = CoreLogEvents.OutboxQuarantined, Level = LogLevel.Error, Message = "Outbox store file {File} is damaged ({Reason}); kept {Intact} intact records, moved it to {QuarantinedAs} ({DamagedBytes} damaged bytes)")]
        public static partial void Quarantined(ILogger logger, string file, string quarantinedAs, int intact, long damagedBytes, string reason);

        [LoggerMessage(EventId = CoreLogEvents.OutboxStorageFull, Level = LogLevel.Error, Message = "Outbox storage full: refused an incoming alarm of {Bytes} bytes ({Capacity} bytes of records fit on the disk now, nothing lower left to evict)")]
        public static partial void StorageFull(ILogger logger, int bytes, long capacity);

        [LoggerMessage(EventId = CoreLogEvents.OutboxDeadLettered, Level = LogLevel.Error, Message = "Outbox record {Id} ({Class}) moved to dead letters: {Reason}")]
        public static partial void DeadLettered(ILogger logger, long id, OutboxClass @class, string reason);

        [LoggerMessage(EventId = CoreLogEvents.OutboxUnreadable, Level = LogLevel.Error, Message = "Outbox record {Id} ({Class}) could not be read back from the store; dropped")]
        public static partial void Unreadable(ILogger logger, long id, OutboxClass @class);
    }
}
