using EdgeGateway.Supervision.Progress;
using System.Buffers;
using System.Threading.Channels;
using EdgeGateway.Core.Outbox;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.Uplink.Segments;

/// <summary>
/// The one writer of the store: takes every waiting request, writes removals then appends as two
/// writes and at most one fsync (group commit). Removals take effect in memory at once, even when
/// their record cannot be written yet (a full disk): they are written later, or made moot when
/// compaction drops the removed records. A failed append is cut back off the file and fails only
/// its own callers. Counters and maintenance run after the batch is answered, outside the commit
/// path, and their failures never touch records already written.
/// </summary>
internal sealed partial class GroupCommitWriter
{
    private const int MaxBatchRequests = 8192;
    private const int MaxBatchBytes = 4 * 1024 * 1024;
    private const int MaxIdsPerRemoveFrame = 16384;

    private readonly Channel<StoreRequest> _requests =
        Channel.CreateUnbounded<StoreRequest>(new UnboundedChannelOptions { SingleReader = true });

    private readonly SegmentIndex _index;
    private readonly SegmentCompactor _compactor;
    private readonly StorageSpace _space;
    private readonly string _directory;
    private readonly string _countersPath;
    private readonly TimeSpan _syncInterval;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Action<OutboxEntry> _written;
    private readonly List<(long Id, int Segment)> _unwrittenRemovals = [];
    private readonly List<long> _removalsAwaitingCounters = [];
    private OutboxCounters? _unwrittenCounters;
    private volatile bool _diskFull;
    private bool _compactionFailing;
    private int _unwrittenRemovalCount;

    public GroupCommitWriter(
        SegmentIndex index,
        SegmentCompactor compactor,
        StorageSpace space,
        string directory,
        string countersPath,
        TimeSpan syncInterval,
        TimeProvider time,
        ILogger logger,
        Action<OutboxEntry> written)
    {
        _index = index;
        _compactor = compactor;
        _space = space;
        _directory = directory;
        _countersPath = countersPath;
        _syncInterval = syncInterval;
        _time = time;
        _logger = logger;
        _written = written;
    }

    /// <summary>True after a write failed for lack of space, until one succeeds.</summary>
    public bool DiskFull => _diskFull;

    /// <summary>Acknowledged removals applied in memory but not yet on disk.</summary>
    public int UnwrittenRemovals => Volatile.Read(ref _unwrittenRemovalCount);

    public bool TryQueue(StoreRequest request) => _requests.Writer.TryWrite(request);

    public void Complete() => _requests.Writer.TryComplete();

    public static bool IsDiskFull(IOException ex)
    {
        ArgumentNullException.ThrowIfNull(ex);

        // ENOSPC / EDQUOT as raw errno on Unix, ERROR_DISK_FULL / ERROR_HANDLE_DISK_FULL on Windows.
        return ex is OutboxStorageFullException || ex.HResult is 28 or 122 or 0x27 or 0x70 or unchecked((int)0x80070027) or unchecked((int)0x80070070)
            || ex.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase);
    }

    /// <param name="heartbeat">When given, beaten every turn, and while idle, so the watchdog sees the writer alive.</param>
    public async Task RunAsync(Heartbeat? heartbeat)
    {
        using var beat = heartbeat;
        var reader = _requests.Reader;
        var batch = new Batch();
        var dirty = false;
        var lastSync = _time.GetTimestamp();
        while (true)
        {
            heartbeat?.Beat();
            if (!reader.TryPeek(out _))
            {
                if (dirty || _unwrittenRemovals.Count > 0 || _unwrittenCounters is not null || _compactionFailing || _diskFull)
                {
                    var more = reader.WaitToReadAsync().AsTask();
                    var first = await Task.WhenAny(more, Task.Delay(_syncInterval, _time)).ConfigureAwait(false);
                    if (first != more || !await more.ConfigureAwait(false))
                    {
                        // Idle: sync, and retry what a full disk held back (removals, counters, compaction).
                        batch.Clear();
                        Commit(batch, ref dirty, ref lastSync, forceSync: true);
                        if (first == more)
                        {
                            FinalFlush();
                            return;
                        }

                        continue;
                    }
                }
                else
                {
                    // Idle: wake up now and then to show the watchdog the writer is alive.
                    var more = reader.WaitToReadAsync().AsTask();
                    if (heartbeat is not null && await Task.WhenAny(more, Task.Delay(heartbeat.IdleInterval, _time)).ConfigureAwait(false) != more)
                    {
                        continue;
                    }

                    if (!await more.ConfigureAwait(false))
                    {
                        FinalFlush();
                        return;
                    }
                }
            }

            batch.Clear();
            while (batch.Requests.Count < MaxBatchRequests && batch.Appends.WrittenCount < MaxBatchBytes && reader.TryRead(out var request))
            {
                batch.Add(request);
            }

            Commit(batch, ref dirty, ref lastSync, forceSync: false);
        }
    }

    private void Commit(Batch batch, ref bool dirty, ref long lastSync, bool forceSync)
    {
        // 1. Removals: in memory first, so compaction can reclaim their space even if the disk is full.
        if (batch.Removed.Count > 0)
        {
            lock (_index.Gate)
            {
                foreach (var id in batch.Removed)
                {
                    var segment = _index.Forget(id);
                    if (segment != 0)
                    {
                        _unwrittenRemovals.Add((id, segment));
                    }
                }
            }
        }

        var active = _index.Active!;
        dirty |= WriteRemovals(active);

        // 2. Appends: one write; on failure cut back and fail only these callers.
        IOException? appendError = null;
        long appendAt = active.Length;
        if (batch.Placed.Count > 0)
        {
            appendError = TryAppend(batch, ref active, out appendAt);
            if (appendError is null)
            {
                dirty = true;
            }
        }

        // 3. One fsync for the batch when anyone waits for it.
        var sync = forceSync || batch.Sync || (dirty && _time.GetElapsedTime(lastSync) >= _syncInterval);
        if (sync && dirty)
        {
            try
            {
                active.Sync();
                dirty = false;
                lastSync = _time.GetTimestamp();
            }
            catch (IOException ex)
            {
                Log.WriteFailed(_logger, ex.Message);
                if (appendError is null && batch.Placed.Count > 0)
                {
                    RollBack(batch, active, appendAt);
                    appendError = ex;
                }
            }
        }

        // 4. Answer the appends (flushes wait for the counters below).
        foreach (var request in batch.Requests)
        {
            if (request.Kind == StoreRequestKind.Append && appendError is not null)
            {
                request.Done?.TrySetException(Describe(appendError));
            }
            else if (request.Kind != StoreRequestKind.Flush)
            {
                request.Done?.TrySetResult();
            }
        }

        if (appendError is null)
        {
            foreach (var (entry, _, _, _) in batch.Placed)
            {
                _written(entry);
            }
        }

        // 5. Counters and maintenance: outside the commit path.
        if (batch.Counters is not null)
        {
            _unwrittenCounters = batch.Counters;
        }

        if (batch.RemoveAfterCounters.Count > 0)
        {
            _removalsAwaitingCounters.AddRange(batch.RemoveAfterCounters);
        }

        if (_unwrittenCounters is { } counters)
        {
            try
            {
                CountersFile.Write(_countersPath, counters, sync || _removalsAwaitingCounters.Count > 0);
                _unwrittenCounters = null;
                if (ForgetAfterCounters() && WriteRemovals(_index.Active!))
                {
                    dirty = true;
                    if (sync)
                    {
                        _index.Active!.Sync();
                        dirty = false;
                        lastSync = _time.GetTimestamp();
                    }
                }
            }
            catch (IOException ex)
            {
                NoteFailure(ex);
            }
        }

        foreach (var request in batch.Requests)
        {
            if (request.Kind == StoreRequestKind.Flush)
            {
                request.Done?.TrySetResult();
            }
        }

        try
        {
            dirty = _compactor.Maintain(dirty, pressure: _diskFull || _unwrittenRemovals.Count > 0 || _space.Headroom < 0, out var deferred);
            NoteCompacted(deferred);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            NoteCompactionFailed(ex as IOException ?? new IOException(ex.Message, ex));
        }
    }

    /// <summary>
    /// Dead-lettered records leave the queue only once the counters that carry their reports are on
    /// disk: their removals are applied now, and written with the next batch.
    /// </summary>
    private bool ForgetAfterCounters()
    {
        if (_removalsAwaitingCounters.Count == 0)
        {
            return false;
        }

        lock (_index.Gate)
        {
            foreach (var id in _removalsAwaitingCounters)
            {
                var segment = _index.Forget(id);
                if (segment != 0)
                {
                    _unwrittenRemovals.Add((id, segment));
                }
            }
        }

        _removalsAwaitingCounters.Clear();
        Volatile.Write(ref _unwrittenRemovalCount, _unwrittenRemovals.Count);
        return true;
    }

    private IOException? TryAppend(Batch batch, ref SegmentFile active, out long appendAt)
    {
        for (var attempt = 0; ; attempt++)
        {
            appendAt = active.Length;
            try
            {
                active.Append(batch.Appends.WrittenSpan);
                _space.Wrote(batch.Appends.WrittenCount);
                lock (_index.Gate)
                {
                    foreach (var (entry, frameStart, payloadOffset, frameLength) in batch.Placed)
                    {
                        _index.Track(entry, active, appendAt + frameStart + payloadOffset, frameLength);
                    }
                }

                NoteSuccess();
                return null;
            }
            catch (IOException ex) when (attempt == 0 && IsDiskFull(ex))
            {
                // Reclaim what removals freed, then try once more.
                NoteFailure(ex);
                try
                {
                    _compactor.Maintain(false, pressure: true, out var deferred);
                    NoteCompacted(deferred);
                }
                catch (IOException compaction)
                {
                    NoteCompactionFailed(compaction);
                    return ex;
                }

                active = _index.Active!;
            }
            catch (IOException ex)
            {
                NoteFailure(ex);
                return ex;
            }
        }
    }

    private void RollBack(Batch batch, SegmentFile active, long appendAt)
    {
        lock (_index.Gate)
        {
            foreach (var (entry, _, _, _) in batch.Placed)
            {
                _index.Forget(entry.Id);
            }
        }

        try
        {
            active.CutTo(appendAt);
        }
        catch (IOException ex)
        {
            Log.WriteFailed(_logger, ex.Message);
        }
    }

    /// <summary>Writes the removal records still owed; returns whether anything was written.</summary>
    private bool WriteRemovals(SegmentFile active)
    {
        if (_unwrittenRemovals.Count == 0)
        {
            return false;
        }

        // A removal whose record's segment is gone (compacted or deleted) is already in effect on disk.
        lock (_index.Gate)
        {
            _unwrittenRemovals.RemoveAll(r => !_index.HasSegment(r.Segment));
        }

        if (_unwrittenRemovals.Count == 0)
        {
            Volatile.Write(ref _unwrittenRemovalCount, 0);
            return false;
        }

        var buffer = new ArrayBufferWriter<byte>(16 + (_unwrittenRemovals.Count * 8));
        var ids = new long[Math.Min(_unwrittenRemovals.Count, MaxIdsPerRemoveFrame)];
        for (var at = 0; at < _unwrittenRemovals.Count; at += MaxIdsPerRemoveFrame)
        {
            var count = Math.Min(MaxIdsPerRemoveFrame, _unwrittenRemovals.Count - at);
            for (var i = 0; i < count; i++)
            {
                ids[i] = _unwrittenRemovals[at + i].Id;
            }

            RecordFrame.WriteRemove(buffer, ids.AsSpan(0, count), OutboxRemoval.Delivered);
        }

        try
        {
            active.Append(buffer.WrittenSpan);
            _space.Wrote(buffer.WrittenCount);
            _unwrittenRemovals.Clear();
            Volatile.Write(ref _unwrittenRemovalCount, 0);
            return true;
        }
        catch (IOException ex)
        {
            NoteFailure(ex);
            Volatile.Write(ref _unwrittenRemovalCount, _unwrittenRemovals.Count);
            return false;
        }
    }

    private void FinalFlush()
    {
        try
        {
            if (_unwrittenCounters is { } counters)
            {
                CountersFile.Write(_countersPath, counters, sync: true);
                _unwrittenCounters = null;
                _ = ForgetAfterCounters();
            }

            var active = _index.Active!;
            if (_unwrittenRemovals.Count > 0)
            {
                _compactor.Maintain(false, pressure: true);
                active = _index.Active!;
                WriteRemovals(active);
            }

            active.Sync();
        }
        catch (IOException ex)
        {
            Log.WriteFailed(_logger, ex.Message);
        }

        if (_unwrittenRemovals.Count > 0)
        {
            Log.RemovalsLost(_logger, _unwrittenRemovals.Count);
        }
    }

    private Exception Describe(Exception error)
    {
        if (error is IOException io && IsDiskFull(io))
        {
            return new OutboxStorageFullException(
                $"outbox storage at '{_directory}' is full ({_space.Available / 1024} KiB free, {_space.Reserve / 1024} KiB kept in reserve); the message was not stored: {error.Message}",
                error);
        }

        return new IOException($"outbox store write failed at '{_directory}': {error.Message}", error);
    }

    private void NoteFailure(IOException ex)
    {
        _space.Refresh(force: true);
        if (IsDiskFull(ex))
        {
            if (!_diskFull)
            {
                _diskFull = true;
                Log.DiskFull(_logger, _directory, _space.Available / 1024, ex.Message);
            }
        }
        else
        {
            Log.WriteFailed(_logger, ex.Message);
        }
    }

    /// <summary>A compaction step failed (its copy was cut back off the active segment; nothing it was copying moved): said once until one succeeds.</summary>
    private void NoteCompactionFailed(IOException ex)
    {
        NoteFailure(ex);
        if (!_compactionFailing)
        {
            _compactionFailing = true;
            Log.CompactionFailed(_logger, _directory, ex.Message);
        }
    }

    /// <summary>
    /// Maintenance went through: compaction works again unless it was only put off for lack of space,
    /// and the disk is no longer full if it has room above the reserve.
    /// </summary>
    private void NoteCompacted(bool deferred)
    {
        if (_compactionFailing && !deferred)
        {
            _compactionFailing = false;
            Log.CompactionResumed(_logger, _directory, _space.Available / 1024);
        }

        NoteSuccess();
    }

    private void NoteSuccess()
    {
        if (_diskFull && _space.Headroom > 0)
        {
            _diskFull = false;
            Log.DiskFree(_logger, _directory, _space.Available / 1024);
        }
    }

    private sealed class Batch
    {
        public List<StoreRequest> Requests { get; } = new(1024);

        public ArrayBufferWriter<byte> Appends { get; } = new(1 << 20);

        public List<(OutboxEntry Entry, int FrameStart, int PayloadOffset, int FrameLength)> Placed { get; } = new(1024);

        public List<long> Removed { get; } = [];

        public OutboxCounters? Counters { get; set; }

        /// <summary>Records to remove once <see cref="Counters"/> are on disk (dead letters, whose reports they carry).</summary>
        public List<long> RemoveAfterCounters { get; } = [];

        public bool Sync { get; set; }

        public void Clear()
        {
            Requests.Clear();
            Appends.ResetWrittenCount();
            Placed.Clear();
            Removed.Clear();
            RemoveAfterCounters.Clear();
            Counters = null;
            Sync = false;
        }

        public void Add(StoreRequest request)
        {
            Requests.Add(request);
            switch (request.Kind)
            {
                case StoreRequestKind.Append:
                    var start = Appends.WrittenCount;
                    var payloadOffset = RecordFrame.WriteAppend(Appends, request.Entry!, request.Payload.Span);
                    Placed.Add((request.Entry!, start, payloadOffset, Appends.WrittenCount - start));
                    Sync |= request.Durable;
                    break;
                case StoreRequestKind.Remove:
                    Removed.AddRange(request.Ids!);
                    break;
                case StoreRequestKind.Counters:
                    Counters = request.Counters;
                    if (request.Ids is { Count: > 0 } ids)
                    {
                        RemoveAfterCounters.AddRange(ids);
                    }

                    Sync |= request.Durable;
                    break;
                case StoreRequestKind.Flush:
                    Sync = true;
                    break;
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = UplinkLogEvents.StoreWriteFailed, Level = LogLevel.Error, Message = "Outbox store write failed: {Error}; the affected enqueues failed and nothing acknowledged was touched")]
        public static partial void WriteFailed(ILogger logger, string error);

        [LoggerMessage(EventId = UplinkLogEvents.StoreDiskFull, Level = LogLevel.Error, Message = "Outbox storage at {Directory} is full ({FreeKiB} KiB free): {Error}; acknowledgements are applied in memory, compaction reclaims their space, new records wait for room")]
        public static partial void DiskFull(ILogger logger, string directory, long freeKiB, string error);

        [LoggerMessage(EventId = UplinkLogEvents.StoreDiskFree, Level = LogLevel.Information, Message = "Outbox storage at {Directory} has room again ({FreeKiB} KiB free)")]
        public static partial void DiskFree(ILogger logger, string directory, long freeKiB);

        [LoggerMessage(EventId = UplinkLogEvents.StoreCompactionFailed, Level = LogLevel.Warning, Message = "Outbox compaction at {Directory} stopped: {Error}; the records it was copying stay where they were, it tries again as space returns")]
        public static partial void CompactionFailed(ILogger logger, string directory, string error);

        [LoggerMessage(EventId = UplinkLogEvents.StoreCompactionResumed, Level = LogLevel.Information, Message = "Outbox compaction at {Directory} works again ({FreeKiB} KiB free)")]
        public static partial void CompactionResumed(ILogger logger, string directory, long freeKiB);

        [LoggerMessage(EventId = UplinkLogEvents.StoreRemovalsLost, Level = LogLevel.Warning, Message = "Outbox stopped with {Count} acknowledgements not on disk (disk full); those records will be sent again after a restart")]
        public static partial void RemovalsLost(ILogger logger, int count);
    }
}

internal enum StoreRequestKind
{
    Append,
    Remove,
    Counters,
    Flush,
}

internal readonly record struct StoreRequest(
    StoreRequestKind Kind,
    OutboxEntry? Entry,
    ReadOnlyMemory<byte> Payload,
    bool Durable,
    TaskCompletionSource? Done,
    IReadOnlyList<long>? Ids,
    OutboxCounters? Counters);
