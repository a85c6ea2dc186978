using System.Globalization;
using EdgeGateway.Core.Outbox;
using EdgeGateway.DurableFiles;
using EdgeGateway.Supervision.Progress;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.Uplink.Segments;

/// <summary>Where and how the file store keeps its segments.</summary>
/// <param name="Directory">The store folder, normally <c>{Storage:DataDir}/outbox</c>.</param>
/// <param name="SegmentBytes">A segment is sealed and a new one started past this size (smaller on a small filesystem).</param>
/// <param name="SyncInterval">How soon records that need no immediate fsync (acks, lower classes) are synced anyway.</param>
/// <param name="ReserveBytes">Disk kept free for removal records and compaction; null for a sixteenth of the filesystem (128 KiB to 64 MiB).</param>
/// <param name="QuarantineBytes">The most the quarantine folder may hold; the oldest files go first. Null for four segments.</param>
public sealed record FileOutboxStoreOptions(
    string Directory,
    long SegmentBytes = 16L * 1024 * 1024,
    TimeSpan? SyncInterval = null,
    long? ReserveBytes = null,
    long? QuarantineBytes = null)
{
    public TimeSpan EffectiveSyncInterval => SyncInterval ?? TimeSpan.FromMilliseconds(200);
}

/// <summary>
/// The outbox on disk: append-only segment files of CRC-framed records (appends and removals).
/// Its parts: <see cref="SegmentFile"/> (one file), <see cref="SegmentReplayer"/> (open and
/// inspect), <see cref="GroupCommitWriter"/> (the one writer) and <see cref="SegmentCompactor"/>.
/// On open a torn or zero-filled tail is cut back to the last intact record; a segment damaged in
/// the middle has its intact records copied forward and is moved to <c>quarantine/</c> (capped in
/// bytes, oldest first). It never plans to use more than the filesystem holds minus a reserve.
/// </summary>
public sealed partial class FileOutboxStore : IOutboxStore
{
    /// <summary>How long the writer may go without finishing a batch or an idle wait before the watchdog calls it stalled.</summary>
    public static readonly TimeSpan WriterDeadline = TimeSpan.FromSeconds(30);

    private readonly FileOutboxStoreOptions _options;
    private readonly string _quarantineDirectory;
    private readonly string _countersPath;
    private readonly TimeProvider _time;
    private readonly ILogger<FileOutboxStore> _logger;
    private readonly ProgressRegistry? _progress;
    private readonly SegmentIndex _index = new();
    private readonly StorageSpace _space;
    private readonly SegmentCompactor _compactor;
    private readonly DeadLetterBox _deadLetters;
    private GroupCommitWriter? _writer;
    private Task? _writerTask;
    private FileStream? _lockFile;
    private long _quarantineBytes;
    private int _disposed;

    /// <param name="progress">When given, the writer task beats a heartbeat (<c>outbox writer</c>) there while it runs.</param>
    public FileOutboxStore(FileOutboxStoreOptions options, TimeProvider time, ILogger<FileOutboxStore> logger, ProgressRegistry? progress = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _quarantineDirectory = Path.Combine(options.Directory, "quarantine");
        _countersPath = Path.Combine(options.Directory, "counters.json");
        _time = time;
        _logger = logger;
        _progress = progress;
        _space = new StorageSpace(options.Directory, time, options.ReserveBytes);
        _compactor = new SegmentCompactor(_index, _space, options.Directory, options.SegmentBytes);
        _deadLetters = new DeadLetterBox(options.Directory);
    }

    public string Directory => _options.Directory;

    public string QuarantineDirectory => _quarantineDirectory;

    public long DiskBytes
    {
        get
        {
            lock (_index.Gate)
            {
                return _index.SegmentBytes + Interlocked.Read(ref _quarantineBytes) + _deadLetters.Bytes;
            }
        }
    }

    /// <summary>
    /// Bytes of records the store can hold on this filesystem now: what its segments occupy plus
    /// the free space above the reserve, less one segment of slack (the active segment's dead bytes
    /// are reclaimed only once it is sealed).
    /// </summary>
    public long CapacityBytes
    {
        get
        {
            long segments;
            lock (_index.Gate)
            {
                segments = _index.SegmentBytes;
            }

            return Math.Max(0, segments + _space.Headroom - _compactor.SegmentLimit);
        }
    }

    public bool DiskFull => _writer?.DiskFull == true || _space.Headroom <= 0;

    public int UnwrittenRemovals => _writer?.UnwrittenRemovals ?? 0;

    public int DeadLetterCount => _deadLetters.Count;

    /// <summary>True while the store is open and its writer runs.</summary>
    public bool IsWriting => _writerTask is { IsCompleted: false } && Volatile.Read(ref _disposed) == 0;

    public OutboxRecovery Open(Action<OutboxEntry> written)
    {
        ArgumentNullException.ThrowIfNull(written);
        if (_writer is not null)
        {
            throw new InvalidOperationException("the outbox store is already open");
        }

        System.IO.Directory.CreateDirectory(_options.Directory);
        AcquireLock();
        _space.Refresh(force: true);
        var reports = new List<QuarantineReport>();
        var counters = CountersFile.Read(_countersPath, out var countersError);
        if (countersError is not null)
        {
            var target = MoveToQuarantine(_countersPath);
            reports.Add(new QuarantineReport(_countersPath, target, 0, new FileInfo(target).Length, $"unreadable counters: {countersError}"));
        }

        var maxId = 0L;
        var damaged = new List<(SegmentFile Segment, ReplayResult Result)>();
        foreach (var (number, path) in SegmentFile.List(_options.Directory))
        {
            var bytes = File.ReadAllBytes(path);
            var segment = new SegmentFile(number, path, SegmentFile.OpenForReplay(path), bytes.Length);
            _index.Segments.Add(segment);
            var result = SegmentReplayer.Replay(segment, bytes, _index, ref maxId);
            if (result.DamagedInTheMiddle)
            {
                damaged.Add((segment, result));
            }
            else if (result.TornTailBytes > 0)
            {
                // A power cut's tail: cut back to the last intact record and keep using the segment.
                segment.CutTo(result.GoodLength);
                segment.Sync();
                Log.TailCut(_logger, path, result.TornTailBytes, result.GoodLength, result.Reason ?? "torn tail");
            }
        }

        _compactor.StartSegment(_index.Segments.Count == 0 ? 1 : _index.Segments[^1].Number + 1);
        if (damaged.Count > 0)
        {
            // A segment's removal records may refer to records in any older segment, so taking one out
            // of the middle could bring removed records back. Copy every live record forward instead,
            // then quarantine the damaged segments and delete the rest.
            foreach (var segment in _index.Segments.Where(s => s != _index.Active).ToList())
            {
                var kept = _compactor.CopyForward(segment);
                _compactor.Detach(segment);
                if (damaged.FirstOrDefault(d => d.Segment == segment) is { Segment: not null } hit)
                {
                    var target = MoveToQuarantine(segment.Path);
                    reports.Add(new QuarantineReport(segment.Path, target, kept, hit.Result.DamagedBytes + hit.Result.TornTailBytes, hit.Result.Reason!));
                }
                else
                {
                    File.Delete(segment.Path);
                }
            }
        }

        PruneQuarantine();
        DurableFile.SyncDirectory(_options.Directory);
        List<OutboxEntry> pending;

        // A record both still queued and parked as a dead letter was being moved when the box
        // stopped: finish the move (the letter is durable first) and make sure it is reported.
        var letters = _deadLetters.List();
        var interrupted = new HashSet<long>();
        lock (_index.Gate)
        {
            foreach (var letter in letters)
            {
                if (_index.Locations.ContainsKey(letter.Entry.Id))
                {
                    interrupted.Add(letter.Entry.Id);
                }
            }

            // Not offered again; the writer forgets them once their reports are on disk.
            pending = [.. _index.Locations.Values.Select(location => location.Entry).Where(entry => !interrupted.Contains(entry.Id)).OrderBy(entry => entry.Id)];
        }

        if (interrupted.Count > 0)
        {
            var known = counters.UnreportedDeadLetters.Select(r => r.Record).ToHashSet();
            counters = counters with
            {
                UnreportedDeadLetters =
                [
                    .. counters.UnreportedDeadLetters,
                    .. letters.Where(l => interrupted.Contains(l.Entry.Id) && !known.Contains(l.Entry.Id))
                        .Select(l => new DeadLetterReport(l.Entry.Id, l.Entry.Class, l.Entry.AlertId, l.Reason)),
                ],
            };
            Log.DeadLetterMoveFinished(_logger, interrupted.Count);
        }

        maxId = Math.Max(maxId, letters.Select(l => l.Entry.Id).DefaultIfEmpty(0).Max());
        _writer = new GroupCommitWriter(
            _index, _compactor, _space, _options.Directory, _countersPath, _options.EffectiveSyncInterval, _time, _logger, written);
        var heartbeat = _progress?.Register("outbox writer", WriterDeadline);
        _writerTask = Task.Run(() => _writer.RunAsync(heartbeat));
        if (interrupted.Count > 0)
        {
            // Their reports first (synced), then their removal records, as a live move does.
            _writer.TryQueue(new StoreRequest(StoreRequestKind.Counters, null, default, true, null, [.. interrupted], counters));
        }

        return new OutboxRecovery(pending, maxId + 1, counters, reports);
    }

    /// <summary>
    /// Reads what a store folder holds without opening it for writing: no lock, no new segment, no
    /// quarantine, no cut tails. Safe while another process runs the store (it may see a record or
    /// two mid-write as a torn tail).
    /// </summary>
    public static OutboxInspection Inspect(string directory)
    {
        var index = new SegmentIndex();
        var counters = CountersFile.Read(Path.Combine(directory, "counters.json"), out _);
        var damaged = new List<string>();
        long diskBytes = 0;
        var maxId = 0L;
        if (System.IO.Directory.Exists(directory))
        {
            foreach (var (number, path) in SegmentFile.List(directory))
            {
                byte[] bytes;
                try
                {
                    bytes = File.ReadAllBytes(path);
                }
                catch (FileNotFoundException)
                {
                    continue;
                }

                using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                var segment = new SegmentFile(number, path, handle, bytes.Length);
                diskBytes += bytes.Length;
                if (SegmentReplayer.Replay(segment, bytes, index, ref maxId).DamagedInTheMiddle)
                {
                    damaged.Add(path);
                }
            }
        }

        var quarantine = Path.Combine(directory, "quarantine");
        var quarantined = System.IO.Directory.Exists(quarantine) ? System.IO.Directory.GetFiles(quarantine) : [];
        var deadLetters = new DeadLetterBox(directory);
        var space = new StorageSpace(System.IO.Directory.Exists(directory) ? directory : Path.GetTempPath(), TimeProvider.System, null);
        var segmentBytes = diskBytes;
        return new OutboxInspection(
            [.. index.Locations.Values.Select(location => location.Entry).OrderBy(entry => entry.Id)],
            counters,
            diskBytes + quarantined.Sum(f => new FileInfo(f).Length) + deadLetters.Bytes,
            damaged,
            quarantined.Length,
            deadLetters.List(),
            space.Available,
            space.Reserve)
        {
            SegmentSlackBytes = space.SegmentBytes(16L * 1024 * 1024),
            SegmentBytes = segmentBytes,
            DeadLettersDropped = deadLetters.Dropped,
        };
    }

    public ValueTask AppendAsync(OutboxEntry entry, ReadOnlyMemory<byte> payload, bool durable, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        cancellationToken.ThrowIfCancellationRequested();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (_writer is null || !_writer.TryQueue(new StoreRequest(StoreRequestKind.Append, entry, payload, durable, done, null, null)))
        {
            throw new ObjectDisposedException(nameof(FileOutboxStore), "the outbox store is closed");
        }

        // Once queued the write goes ahead, so the caller's cancellation no longer applies.
        return new ValueTask(done.Task);
    }

    public ReadOnlyMemory<byte>? ReadPayload(OutboxEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        lock (_index.Gate)
        {
            if (!_index.Locations.TryGetValue(entry.Id, out var location) || location.Segment.IsClosed)
            {
                return null;
            }

            var payload = new byte[location.Entry.Size];
            try
            {
                return location.Segment.Read(payload, location.PayloadOffset) == payload.Length ? payload : null;
            }
            catch (IOException ex)
            {
                Log.ReadFailed(_logger, location.Segment.Path, ex.Message);
                return null;
            }
        }
    }

    public void Remove(IReadOnlyList<long> ids, OutboxRemoval reason)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.Count > 0)
        {
            _writer?.TryQueue(new StoreRequest(StoreRequestKind.Remove, null, default, false, null, ids, null));
        }
    }

    public void DeadLetter(OutboxEntry entry, ReadOnlyMemory<byte> payload, string reason, OutboxCounters counters)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(counters);
        _deadLetters.Park(entry, payload.Span, reason, _time.GetUtcNow());

        // The writer saves the counters (synced), and only then forgets the record.
        _writer?.TryQueue(new StoreRequest(StoreRequestKind.Counters, null, default, true, null, [entry.Id], counters));
    }

    public void SaveCounters(OutboxCounters counters) =>
        _writer?.TryQueue(new StoreRequest(StoreRequestKind.Counters, null, default, false, null, null, counters));

    public ValueTask FlushAsync(CancellationToken cancellationToken = default)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return _writer is not null && _writer.TryQueue(new StoreRequest(StoreRequestKind.Flush, null, default, true, done, null, null))
            ? new ValueTask(done.Task.WaitAsync(cancellationToken))
            : ValueTask.CompletedTask;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _writer?.Complete();
        try
        {
            _writerTask?.Wait(TimeSpan.FromSeconds(30));
        }
        catch (AggregateException ex)
        {
            Log.ReadFailed(_logger, _options.Directory, ex.InnerException?.Message ?? ex.Message);
        }

        lock (_index.Gate)
        {
            foreach (var segment in _index.Segments)
            {
                segment.Dispose();
            }

            _index.Segments.Clear();
            _index.Locations.Clear();
        }

        _lockFile?.Dispose();
    }

    private string MoveToQuarantine(string path)
    {
        System.IO.Directory.CreateDirectory(_quarantineDirectory);
        var stamp = _time.GetUtcNow().ToString("yyyyMMdd'T'HHmmssfff'Z'", CultureInfo.InvariantCulture);
        var target = Path.Combine(_quarantineDirectory, $"{Path.GetFileName(path)}.{stamp}.damaged");
        File.Move(path, target);
        DurableFile.SyncDirectory(_quarantineDirectory);
        DurableFile.SyncDirectory(_options.Directory);
        return target;
    }

    /// <summary>Keeps the quarantine folder under its byte cap, deleting the oldest files first (the newest damage is the most useful).</summary>
    private void PruneQuarantine()
    {
        if (!System.IO.Directory.Exists(_quarantineDirectory))
        {
            return;
        }

        var cap = _options.QuarantineBytes ?? (4 * _compactor.SegmentLimit);
        var files = new DirectoryInfo(_quarantineDirectory).GetFiles().OrderBy(f => f.LastWriteTimeUtc).ThenBy(f => f.Name).ToList();
        var total = files.Sum(f => f.Length);
        var pruned = false;
        foreach (var file in files)
        {
            if (total <= cap)
            {
                break;
            }

            var length = file.Length;
            total -= length;
            file.Delete();
            pruned = true;
            Log.QuarantinePruned(_logger, file.FullName, length, cap);
        }

        if (pruned)
        {
            DurableFile.SyncDirectory(_quarantineDirectory);
        }

        Interlocked.Exchange(ref _quarantineBytes, total);
    }

    private void AcquireLock()
    {
        var path = Path.Combine(_options.Directory, "LOCK");
        try
        {
            _lockFile = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex)
        {
            throw new InvalidOperationException(
                $"the outbox at '{_options.Directory}' is in use by another edgegw process; stop it first ({ex.Message})", ex);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = UplinkLogEvents.StoreReadFailed, Level = LogLevel.Error, Message = "Outbox store could not read {File}: {Error}")]
        public static partial void ReadFailed(ILogger logger, string file, string error);

        [LoggerMessage(EventId = UplinkLogEvents.StoreTailCut, Level = LogLevel.Warning, Message = "Outbox segment {File} had a torn tail of {Bytes} bytes ({Reason}); cut back to the last intact record at byte {Length}, the segment stays in use")]
        public static partial void TailCut(ILogger logger, string file, long bytes, long length, string reason);

        [LoggerMessage(EventId = UplinkLogEvents.StoreDeadLetterMoveFinished, Level = LogLevel.Warning, Message = "Outbox found {Count} records both queued and parked as dead letters (the box stopped while moving them); finished the move, their notices will be sent")]
        public static partial void DeadLetterMoveFinished(ILogger logger, int count);

        [LoggerMessage(EventId = UplinkLogEvents.StoreQuarantinePruned, Level = LogLevel.Warning, Message = "Outbox quarantine over its cap of {Cap} bytes: deleted the oldest file {File} ({Bytes} bytes)")]
        public static partial void QuarantinePruned(ILogger logger, string file, long bytes, long cap);
    }
}

/// <summary>What <see cref="FileOutboxStore.Inspect"/> found.</summary>
public sealed record OutboxInspection(
    IReadOnlyList<OutboxEntry> Pending,
    OutboxCounters Counters,
    long DiskBytes,
    IReadOnlyList<string> DamagedFiles,
    int QuarantinedFiles,
    IReadOnlyList<DeadLetter> DeadLetters,
    long AvailableBytes,
    long ReserveBytes)
{
    /// <summary>
    /// The disk holds no more records, by the store's own rule: no room above the reserve, or less than
    /// 1 % (at least 4 KiB) of what the disk can hold left for records. New alarms may be refused.
    /// </summary>
    public bool StorageFull => AvailableBytes <= ReserveBytes + SegmentSlackBytes || DurableOutbox.NearlyFull(QueuedBytes, CapacityBytes);

    /// <summary>Bytes of records queued, as the budget counts them.</summary>
    public long QueuedBytes => Pending.Sum(e => e.BudgetBytes);

    /// <summary>Bytes of records the disk can hold now: the segments plus the free space above the reserve, less one segment of slack (as the store counts it).</summary>
    public long CapacityBytes => Math.Max(0, SegmentBytes + AvailableBytes - ReserveBytes - SegmentSlackBytes);

    /// <summary>Bytes of the segment files.</summary>
    public long SegmentBytes { get; init; }

    /// <summary>One segment of the filesystem (the store keeps it as slack).</summary>
    public long SegmentSlackBytes { get; init; }

    /// <summary>Dead letters deleted for good with <c>edgegw outbox dead-letters drop</c>.</summary>
    public long DeadLettersDropped { get; init; }
}
