using System.Buffers;
using System.Globalization;
using System.Threading.Channels;
using EdgeGateway.Core.Outbox;
using EdgeGateway.Supervision.Progress;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace EdgeGateway.Uplink.Storage;

/// <summary>Where and how the file store keeps its segments.</summary>
/// <param name="Directory">The store folder, normally <c>{Storage:DataDir}/outbox</c>.</param>
/// <param name="SegmentBytes">A segment is sealed and a new one started past this size.</param>
/// <param name="SyncInterval">How soon records that need no immediate fsync (acks, lower classes) are synced anyway.</param>
public sealed record FileOutboxStoreOptions(string Directory, long SegmentBytes = 16L * 1024 * 1024, TimeSpan? SyncInterval = null)
{
    public TimeSpan EffectiveSyncInterval => SyncInterval ?? TimeSpan.FromMilliseconds(200);
}

/// <summary>
/// The outbox on disk: append-only segment files of CRC-framed records (appends and removals),
/// written by one writer task that groups every waiting request into one write and at most one
/// fsync (group commit). On open it replays the segments; a damaged segment's intact records are
/// copied forward and the file is moved to <c>quarantine/</c>, never deleted. Fully removed
/// segments are deleted oldest first; a mostly empty oldest segment is compacted forward.
/// </summary>
public sealed partial class FileOutboxStore : IOutboxStore
{
    private const string SegmentPrefix = "seg-";
    private const string SegmentSuffix = ".log";
    private const int MaxBatchRequests = 8192;
    private const int MaxBatchBytes = 4 * 1024 * 1024;
    private const int MaxIdsPerRemoveFrame = 16384;

    /// <summary>How long the writer may go without finishing a batch or an idle wait before the watchdog calls it stalled.</summary>
    public static readonly TimeSpan WriterDeadline = TimeSpan.FromSeconds(30);

    private readonly FileOutboxStoreOptions _options;
    private readonly string _quarantineDirectory;
    private readonly string _countersPath;
    private readonly TimeProvider _time;
    private readonly ILogger<FileOutboxStore> _logger;
    private readonly ProgressRegistry? _progress;
    private readonly Channel<Request> _requests =
        Channel.CreateUnbounded<Request>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lock _gate = new();
    private readonly List<Segment> _segments = [];
    private readonly Dictionary<long, Location> _locations = [];
    private Action<OutboxEntry> _written = static _ => { };
    private Segment? _active;
    private FileStream? _lockFile;
    private Task? _writer;
    private long _diskBytes;
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
    }

    public string Directory => _options.Directory;

    public string QuarantineDirectory => _quarantineDirectory;

    public long DiskBytes => Interlocked.Read(ref _diskBytes);

    /// <summary>True while the store is open and its writer runs.</summary>
    public bool IsWriting => _writer is { IsCompleted: false } && Volatile.Read(ref _disposed) == 0;

    public OutboxRecovery Open(Action<OutboxEntry> written)
    {
        ArgumentNullException.ThrowIfNull(written);
        if (_writer is not null)
        {
            throw new InvalidOperationException("the outbox store is already open");
        }

        System.IO.Directory.CreateDirectory(_options.Directory);
        AcquireLock();
        var reports = new List<QuarantineReport>();
        var counters = CountersFile.Read(_countersPath, out var countersError);
        if (countersError is not null)
        {
            var target = MoveToQuarantine(_countersPath);
            reports.Add(new QuarantineReport(_countersPath, target, 0, new FileInfo(target).Length, $"unreadable counters: {countersError}"));
        }

        var maxId = 0L;
        var damaged = new List<(Segment Segment, long DamagedBytes, string Reason)>();
        foreach (var (number, path) in ListSegments())
        {
            var bytes = File.ReadAllBytes(path);
            var segment = new Segment(number, path, File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
            {
                Length = bytes.Length,
            };
            _segments.Add(segment);
            _diskBytes += bytes.Length;
            var (damagedBytes, reason) = Replay(segment, bytes, ref maxId);
            if (damagedBytes > 0)
            {
                damaged.Add((segment, damagedBytes, reason!));
            }
        }

        StartSegment(_segments.Count == 0 ? 1 : _segments[^1].Number + 1);
        foreach (var (segment, damagedBytes, reason) in damaged)
        {
            var kept = CopyForward(segment);
            RemoveSegment(segment);
            var target = MoveToQuarantine(segment.Path);
            reports.Add(new QuarantineReport(segment.Path, target, kept, damagedBytes, reason));
        }

        DirectorySync.Sync(_options.Directory);
        var pending = _locations.Values.Select(location => location.Entry).OrderBy(entry => entry.Id).ToList();
        _written = written;
        var heartbeat = _progress?.Register("outbox writer", WriterDeadline);
        _writer = Task.Run(() => WriteLoopAsync(heartbeat));
        return new OutboxRecovery(pending, maxId + 1, counters, reports);
    }

    /// <summary>
    /// Reads what a store folder holds without opening it for writing: no lock, no new segment, no
    /// quarantine. Safe while another process runs the store (it may see a record or two mid-write as damaged).
    /// </summary>
    public static OutboxInspection Inspect(string directory)
    {
        var store = new FileOutboxStore(new FileOutboxStoreOptions(directory), TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<FileOutboxStore>.Instance);
        var counters = CountersFile.Read(store._countersPath, out _);
        var damaged = new List<string>();
        long diskBytes = 0;
        var maxId = 0L;
        if (System.IO.Directory.Exists(directory))
        {
            foreach (var (number, path) in store.ListSegments())
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
                var segment = new Segment(number, path, handle) { Length = bytes.Length };
                diskBytes += bytes.Length;
                var (damagedBytes, _) = store.Replay(segment, bytes, ref maxId);
                if (damagedBytes > 0)
                {
                    damaged.Add(path);
                }
            }
        }

        var entries = store._locations.Values.Select(location => location.Entry).OrderBy(entry => entry.Id).ToList();
        var quarantined = System.IO.Directory.Exists(store._quarantineDirectory)
            ? System.IO.Directory.GetFiles(store._quarantineDirectory).Length
            : 0;
        return new OutboxInspection(entries, counters, diskBytes, damaged, quarantined);
    }

    public ValueTask AppendAsync(OutboxEntry entry, ReadOnlyMemory<byte> payload, bool durable, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        cancellationToken.ThrowIfCancellationRequested();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_requests.Writer.TryWrite(new Request(RequestKind.Append, entry, payload, durable, done, null, default, null)))
        {
            throw new ObjectDisposedException(nameof(FileOutboxStore), "the outbox store is closed");
        }

        // Once queued the write goes ahead, so the caller's cancellation no longer applies.
        return new ValueTask(done.Task);
    }

    public ReadOnlyMemory<byte>? ReadPayload(OutboxEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        lock (_gate)
        {
            if (!_locations.TryGetValue(entry.Id, out var location) || location.Segment.Handle.IsClosed)
            {
                return null;
            }

            var payload = new byte[location.Entry.Size];
            try
            {
                var read = RandomAccess.Read(location.Segment.Handle, payload, location.PayloadOffset);
                return read == payload.Length ? payload : null;
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
            _requests.Writer.TryWrite(new Request(RequestKind.Remove, null, default, false, null, ids, reason, null));
        }
    }

    public void SaveCounters(OutboxCounters counters) =>
        _requests.Writer.TryWrite(new Request(RequestKind.Counters, null, default, false, null, null, default, counters));

    public ValueTask FlushAsync(CancellationToken cancellationToken = default)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return _requests.Writer.TryWrite(new Request(RequestKind.Flush, null, default, true, done, null, default, null))
            ? new ValueTask(done.Task.WaitAsync(cancellationToken))
            : ValueTask.CompletedTask;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _requests.Writer.TryComplete();
        try
        {
            _writer?.Wait(TimeSpan.FromSeconds(30));
        }
        catch (AggregateException ex)
        {
            Log.WriteFailed(_logger, ex.InnerException?.Message ?? ex.Message);
        }

        lock (_gate)
        {
            foreach (var segment in _segments)
            {
                segment.Handle.Dispose();
            }

            _segments.Clear();
            _locations.Clear();
        }

        _lockFile?.Dispose();
    }

    private async Task WriteLoopAsync(Heartbeat? heartbeat)
    {
        using var beat = heartbeat;
        var reader = _requests.Reader;
        var buffer = new ArrayBufferWriter<byte>(1 << 20);
        var batch = new List<Request>(1024);
        var appended = new List<(OutboxEntry Entry, int FrameStart, int PayloadOffset, int FrameLength)>(1024);
        var removed = new List<long>();
        var dirty = false;
        var lastSync = _time.GetTimestamp();
        while (true)
        {
            heartbeat?.Beat();
            if (!reader.TryPeek(out _))
            {
                if (dirty)
                {
                    var more = reader.WaitToReadAsync().AsTask();
                    var first = await Task.WhenAny(more, Task.Delay(_options.EffectiveSyncInterval, _time)).ConfigureAwait(false);
                    if (first != more || !await more.ConfigureAwait(false))
                    {
                        SyncActive();
                        dirty = false;
                        lastSync = _time.GetTimestamp();
                        if (first == more)
                        {
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
                        return;
                    }
                }
            }

            batch.Clear();
            appended.Clear();
            removed.Clear();
            buffer.ResetWrittenCount();
            var sync = false;
            OutboxCounters? counters = null;
            while (batch.Count < MaxBatchRequests && buffer.WrittenCount < MaxBatchBytes && reader.TryRead(out var request))
            {
                batch.Add(request);
                switch (request.Kind)
                {
                    case RequestKind.Append:
                        var start = buffer.WrittenCount;
                        var payloadOffset = RecordFrame.WriteAppend(buffer, request.Entry!, request.Payload.Span);
                        appended.Add((request.Entry!, start, payloadOffset, buffer.WrittenCount - start));
                        sync |= request.Durable;
                        break;
                    case RequestKind.Remove:
                        var ids = request.Ids!;
                        for (var at = 0; at < ids.Count; at += MaxIdsPerRemoveFrame)
                        {
                            var chunk = ids.Skip(at).Take(MaxIdsPerRemoveFrame).ToArray();
                            RecordFrame.WriteRemove(buffer, chunk, request.Reason);
                            removed.AddRange(chunk);
                        }

                        break;
                    case RequestKind.Counters:
                        counters = request.Counters;
                        break;
                    case RequestKind.Flush:
                        sync = true;
                        break;
                }
            }

            var segment = _active!;
            var baseOffset = segment.Length;
            try
            {
                if (buffer.WrittenCount > 0)
                {
                    RandomAccess.Write(segment.Handle, buffer.WrittenSpan, baseOffset);
                }

                lock (_gate)
                {
                    segment.Length += buffer.WrittenCount;
                    foreach (var (entry, frameStart, payloadOffset, frameLength) in appended)
                    {
                        Track(entry, segment, baseOffset + frameStart + payloadOffset, frameLength);
                    }

                    foreach (var id in removed)
                    {
                        Forget(id);
                    }
                }

                Interlocked.Add(ref _diskBytes, buffer.WrittenCount);
                foreach (var (entry, _, _, _) in appended)
                {
                    _written(entry);
                }

                if (counters is not null)
                {
                    CountersFile.Write(_countersPath, counters, sync);
                }

                if (sync || (dirty && _time.GetElapsedTime(lastSync) >= _options.EffectiveSyncInterval))
                {
                    RandomAccess.FlushToDisk(segment.Handle);
                    dirty = false;
                    lastSync = _time.GetTimestamp();
                }
                else if (buffer.WrittenCount > 0)
                {
                    dirty = true;
                }

                foreach (var request in batch)
                {
                    request.Done?.TrySetResult();
                }

                dirty = Maintain(dirty);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // The writer must outlive any one bad batch: fail those requests, keep serving the rest.
                Log.WriteFailed(_logger, ex.Message);
                TryTruncate(segment, baseOffset);
                foreach (var request in batch)
                {
                    request.Done?.TrySetException(ex);
                }
            }
        }
    }

    /// <summary>Seals a full segment, deletes fully removed segments oldest first, compacts a mostly empty oldest one.</summary>
    private bool Maintain(bool dirty)
    {
        var active = _active!;
        var changedNames = false;
        if (active.Length >= _options.SegmentBytes)
        {
            if (dirty)
            {
                RandomAccess.FlushToDisk(active.Handle);
                dirty = false;
            }

            StartSegment(active.Number + 1);
            changedNames = true;
        }

        while (_segments.Count > 1)
        {
            var oldest = _segments[0];
            if (oldest.Live == 0)
            {
                RemoveSegment(oldest);
                File.Delete(oldest.Path);
                changedNames = true;
                continue;
            }

            if (oldest.LiveBytes * 8 < oldest.Length && oldest != _active)
            {
                // A few long-lived records should not pin a whole segment: copy them forward (synced) first.
                CopyForward(oldest);
                dirty = false;
                RemoveSegment(oldest);
                File.Delete(oldest.Path);
                changedNames = true;
                continue;
            }

            break;
        }

        if (changedNames)
        {
            DirectorySync.Sync(_options.Directory);
        }

        return dirty;
    }

    /// <summary>Replays one segment into the location map; returns how many bytes were damaged and why.</summary>
    private (long DamagedBytes, string? Reason) Replay(Segment segment, byte[] bytes, ref long maxId)
    {
        long damagedBytes = 0;
        string? reason = null;
        var ids = new List<long>();
        long position = 0;
        while (position < bytes.Length)
        {
            var length = RecordFrame.TryMeasure(bytes, position);
            if (length > 0)
            {
                var body = bytes.AsSpan((int)position + RecordFrame.HeaderSize, length - RecordFrame.HeaderSize);
                if (RecordFrame.TryReadAppend(body, out var entry, out var payloadOffset))
                {
                    maxId = Math.Max(maxId, entry.Id);
                    Forget(entry.Id);
                    Track(entry, segment, position + payloadOffset, length);
                    position += length;
                    continue;
                }

                ids.Clear();
                if (RecordFrame.TryReadRemove(body, ids))
                {
                    foreach (var id in ids)
                    {
                        Forget(id);
                    }

                    position += length;
                    continue;
                }
            }

            reason ??= bytes.Length - position < RecordFrame.HeaderSize || length == 0 && IsTruncatedTail(bytes, position)
                ? string.Create(CultureInfo.InvariantCulture, $"truncated record at byte {position} of {bytes.Length}")
                : string.Create(CultureInfo.InvariantCulture, $"corrupt record at byte {position} of {bytes.Length}");
            var next = FindNextFrame(bytes, position + 1);
            damagedBytes += (next ?? bytes.Length) - position;
            position = next ?? bytes.Length;
        }

        return (damagedBytes, reason);
    }

    private static bool IsTruncatedTail(byte[] bytes, long position)
    {
        if (bytes.Length - position < RecordFrame.HeaderSize)
        {
            return true;
        }

        var length = BitConverter.ToUInt32(bytes, (int)position + 4);
        return BitConverter.ToUInt32(bytes, (int)position) == RecordFrame.Magic
            && length <= RecordFrame.MaxBodySize
            && length > bytes.Length - position - RecordFrame.HeaderSize;
    }

    private static long? FindNextFrame(byte[] bytes, long from)
    {
        ReadOnlySpan<byte> magic = [0x45, 0x47, 0x4F, 0x42];
        var position = from;
        while (position < bytes.Length)
        {
            var found = bytes.AsSpan((int)position).IndexOf(magic);
            if (found < 0)
            {
                return null;
            }

            position += found;
            if (RecordFrame.TryMeasure(bytes, position) > 0)
            {
                return position;
            }

            position++;
        }

        return null;
    }

    /// <summary>Re-appends the live records of <paramref name="segment"/> to the active segment and syncs them.</summary>
    private int CopyForward(Segment segment)
    {
        List<Location> live;
        lock (_gate)
        {
            live = [.. _locations.Values.Where(location => location.Segment == segment).OrderBy(location => location.Entry.Id)];
        }

        if (live.Count == 0)
        {
            return 0;
        }

        var active = _active!;
        var buffer = new ArrayBufferWriter<byte>();
        var placed = new List<(OutboxEntry Entry, int FrameStart, int PayloadOffset, int FrameLength)>(live.Count);
        foreach (var location in live)
        {
            var payload = new byte[location.Entry.Size];
            RandomAccess.Read(segment.Handle, payload, location.PayloadOffset);
            var start = buffer.WrittenCount;
            var payloadOffset = RecordFrame.WriteAppend(buffer, location.Entry, payload);
            placed.Add((location.Entry, start, payloadOffset, buffer.WrittenCount - start));
        }

        var baseOffset = active.Length;
        RandomAccess.Write(active.Handle, buffer.WrittenSpan, baseOffset);
        RandomAccess.FlushToDisk(active.Handle);
        lock (_gate)
        {
            active.Length += buffer.WrittenCount;
            foreach (var (entry, frameStart, payloadOffset, frameLength) in placed)
            {
                Forget(entry.Id);
                Track(entry, active, baseOffset + frameStart + payloadOffset, frameLength);
            }
        }

        Interlocked.Add(ref _diskBytes, buffer.WrittenCount);
        return live.Count;
    }

    private void Track(OutboxEntry entry, Segment segment, long payloadOffset, int frameLength)
    {
        _locations[entry.Id] = new Location(entry, segment, payloadOffset, frameLength);
        segment.Live++;
        segment.LiveBytes += frameLength;
    }

    private void Forget(long id)
    {
        if (_locations.Remove(id, out var location))
        {
            location.Segment.Live--;
            location.Segment.LiveBytes -= location.FrameLength;
        }
    }

    private void StartSegment(int number)
    {
        var path = Path.Combine(_options.Directory, string.Create(CultureInfo.InvariantCulture, $"{SegmentPrefix}{number:D8}{SegmentSuffix}"));
        var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        var segment = new Segment(number, path, handle);
        lock (_gate)
        {
            _segments.Add(segment);
            _active = segment;
        }

        DirectorySync.Sync(_options.Directory);
    }

    private void RemoveSegment(Segment segment)
    {
        lock (_gate)
        {
            _segments.Remove(segment);
            segment.Handle.Dispose();
        }

        Interlocked.Add(ref _diskBytes, -segment.Length);
    }

    private string MoveToQuarantine(string path)
    {
        System.IO.Directory.CreateDirectory(_quarantineDirectory);
        var stamp = _time.GetUtcNow().ToString("yyyyMMdd'T'HHmmssfff'Z'", CultureInfo.InvariantCulture);
        var target = Path.Combine(_quarantineDirectory, $"{Path.GetFileName(path)}.{stamp}.damaged");
        File.Move(path, target);
        DirectorySync.Sync(_quarantineDirectory);
        DirectorySync.Sync(_options.Directory);
        return target;
    }

    private IEnumerable<(int Number, string Path)> ListSegments()
    {
        var segments = new List<(int, string)>();
        foreach (var path in System.IO.Directory.EnumerateFiles(_options.Directory, SegmentPrefix + "*" + SegmentSuffix))
        {
            var name = Path.GetFileName(path);
            var digits = name[SegmentPrefix.Length..^SegmentSuffix.Length];
            if (int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                segments.Add((number, path));
            }
        }

        return segments.OrderBy(segment => segment.Item1);
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

    private void SyncActive()
    {
        try
        {
            RandomAccess.FlushToDisk(_active!.Handle);
        }
        catch (IOException ex)
        {
            Log.WriteFailed(_logger, ex.Message);
        }
    }

    private void TryTruncate(Segment segment, long length)
    {
        try
        {
            RandomAccess.SetLength(segment.Handle, length);
        }
        catch (IOException ex)
        {
            Log.WriteFailed(_logger, ex.Message);
        }
    }

    private enum RequestKind
    {
        Append,
        Remove,
        Counters,
        Flush,
    }

    private readonly record struct Request(
        RequestKind Kind,
        OutboxEntry? Entry,
        ReadOnlyMemory<byte> Payload,
        bool Durable,
        TaskCompletionSource? Done,
        IReadOnlyList<long>? Ids,
        OutboxRemoval Reason,
        OutboxCounters? Counters);

    private readonly record struct Location(OutboxEntry Entry, Segment Segment, long PayloadOffset, int FrameLength);

    private sealed class Segment(int number, string path, SafeFileHandle handle)
    {
        public int Number { get; } = number;

        public string Path { get; } = path;

        public SafeFileHandle Handle { get; } = handle;

        public long Length { get; set; }

        public int Live { get; set; }

        public long LiveBytes { get; set; }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = UplinkLogEvents.StoreWriteFailed, Level = LogLevel.Error, Message = "Outbox store write failed: {Error}; the affected enqueues failed and nothing was acknowledged")]
        public static partial void WriteFailed(ILogger logger, string error);

        [LoggerMessage(EventId = UplinkLogEvents.StoreReadFailed, Level = LogLevel.Error, Message = "Outbox store could not read {File}: {Error}")]
        public static partial void ReadFailed(ILogger logger, string file, string error);
    }
}

/// <summary>What <see cref="FileOutboxStore.Inspect"/> found.</summary>
public sealed record OutboxInspection(
    IReadOnlyList<OutboxEntry> Pending,
    OutboxCounters Counters,
    long DiskBytes,
    IReadOnlyList<string> DamagedFiles,
    int QuarantinedFiles);
