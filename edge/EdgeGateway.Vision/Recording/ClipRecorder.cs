using System.Threading.Channels;
using EdgeGateway.Core.Evidence;
using EdgeGateway.Vision.Configuration;
using EdgeGateway.Vision.Sources;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Vision.Recording;

/// <summary>
/// The box's recorder: a <see cref="SegmentRing"/> per camera with <c>Record</c> on (the main stream, <c>Url</c>),
/// and per raised alert an MP4 from <c>Evidence:PreRoll</c> before the raise to <c>PostRoll</c> after it, extended
/// while the violation lasts, never longer than <c>MaxClip</c>. When the configuration reloads, only the rings whose
/// settings changed start anew; a clip already being cut from a replaced ring is finished from that ring's segments.
/// </summary>
public sealed class ClipRecorder : BackgroundService, IClipRecorder
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);
    private readonly Dictionary<string, Recording> _rings = new(StringComparer.Ordinal);
    private readonly List<ClipJob> _jobs = [];
    private readonly Lock _gate = new();
    private readonly Channel<VisionOptions> _changes = Channel.CreateBounded<VisionOptions>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
    private readonly EvidenceOptions _options;
    private readonly string _segments;
    private readonly TimeSpan _keep;
    private readonly EvidenceFolder _folder;
    private readonly TimeProvider _time;
    private readonly ILogger<ClipRecorder> _logger;
    private readonly IDisposable? _subscription;
    private CancellationToken _stopping;

    public ClipRecorder(IOptionsMonitor<VisionOptions> cameras, EvidenceOptions options, EvidenceFolder folder, TimeProvider time, ILogger<ClipRecorder> logger)
    {
        ArgumentNullException.ThrowIfNull(cameras);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(folder);
        _options = options;
        _folder = folder;
        _time = time;
        _logger = logger;
        _segments = Path.Combine(folder.Root, "segments");
        _keep = options.MaxClip + options.PreRoll + TimeSpan.FromSeconds(options.SegmentSeconds * 4 + 10);
        foreach (var camera in cameras.CurrentValue.Cameras)
        {
            if (NewRecording(camera) is { } ring)
            {
                _rings[camera.Id] = ring;
            }
        }

        // A reload from here on is queued; the running recorder applies the latest one.
        _subscription = cameras.OnChange(next => _changes.Writer.TryWrite(next));
    }

    /// <summary>The recorder's ffmpeg children, for the CPU measurement.</summary>
    public IReadOnlyList<int> ProcessIds
    {
        get
        {
            lock (_gate)
            {
                return [.. _rings.Values.Select(r => r.Ring.ProcessId).OfType<int>()];
            }
        }
    }

    public bool Records(string camera)
    {
        lock (_gate)
        {
            return _rings.ContainsKey(camera);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _stopping = stoppingToken;
        // Segments of an earlier process cannot be placed on this one's clock (a crash leaves them behind): they go.
        try
        {
            if (Directory.Exists(_segments))
            {
                Directory.Delete(_segments, recursive: true);
            }
        }
        catch (IOException)
        {
            // Left for the next start; the rings' own runs never collide with them.
        }

        Recording[] first;
        lock (_gate)
        {
            first = [.. _rings.Values];
        }

        foreach (var recording in first)
        {
            RecordingLog.RecorderStarted(_logger, recording.Ring.CameraId, _options.PreRoll.TotalSeconds, _options.SegmentSeconds);
            Launch(recording);
        }

        try
        {
            // One change at a time, the latest wins.
            await foreach (var next in _changes.Reader.ReadAllAsync(stoppingToken))
            {
                await ApplyAsync(next);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        // The rings stay listed while the service stops: an alert raised now still gets a clip of its pre-roll.
        Recording[] last;
        lock (_gate)
        {
            last = [.. _rings.Values];
        }

        await Task.WhenAll(last.Select(RetireAsync));
    }

    /// <summary>
    /// Per camera, compares what its ring reads: an unchanged ring keeps running untouched; a changed one stops and a
    /// new one starts; a removed or no longer recorded camera's ring stops; a new recorded camera's ring starts.
    /// </summary>
    private async Task ApplyAsync(VisionOptions next)
    {
        var wanted = next.Cameras.Where(c => c.Records).ToDictionary(c => c.Id, StringComparer.Ordinal);
        Dictionary<string, Recording> current;
        lock (_gate)
        {
            current = new(_rings, StringComparer.Ordinal);
        }

        foreach (var (id, old) in current)
        {
            if (wanted.TryGetValue(id, out var camera) && SegmentRing.SettingsOf(camera) == old.Settings)
            {
                continue;
            }

            // The new ring takes the camera's new clips at once (an alert raised meanwhile still gets one); clips
            // already on the old ring finish from its segments.
            var replacement = camera is null ? null : NewRecording(camera);
            lock (_gate)
            {
                _rings.Remove(id);
            }

            if (replacement is not null)
            {
                Start(replacement);
            }

            await RetireAsync(old);
            if (replacement is not null)
            {
                var changes = replacement.Settings.Changes(old.Settings);
                RecordingLog.RecorderRestarted(_logger, id, changes);
            }
            else
            {
                RecordingLog.RecorderRemoved(_logger, id);
            }
        }

        foreach (var camera in wanted.Values.Where(c => !current.ContainsKey(c.Id)))
        {
            if (NewRecording(camera) is { } ring)
            {
                Start(ring);
                RecordingLog.RecorderAdded(_logger, camera.Id, _options.PreRoll.TotalSeconds, _options.SegmentSeconds);
            }
        }
    }

    /// <summary>A ring for a recorded camera, or null (with the reason logged) when its source has no stream to copy.</summary>
    private Recording? NewRecording(CameraOptions camera)
    {
        if (!camera.Records)
        {
            return null;
        }

        if (CameraUrl.TryClassify(camera.Url, out var kind) && kind is SourceKind.Http or SourceKind.V4l2)
        {
            RecordingLog.NotCopyable(_logger, camera.Id, kind.ToString());
            return null;
        }

        return new Recording(new SegmentRing(camera, _segments, _options.SegmentSeconds, _keep, _time, _logger), SegmentRing.SettingsOf(camera));
    }

    private void Start(Recording recording)
    {
        lock (_gate)
        {
            _rings[recording.Ring.CameraId] = recording;
        }

        Launch(recording);
    }

    private void Launch(Recording recording)
    {
        var loop = CancellationTokenSource.CreateLinkedTokenSource(_stopping, recording.Stop.Token);
        recording.Task = Task.Run(
            async () =>
            {
                using (loop)
                {
                    await recording.Ring.RunAsync(loop.Token);
                }
            },
            CancellationToken.None);
    }

    /// <summary>Stops the ring's ffmpeg child; its segments go once no clip is being cut from them.</summary>
    private async Task RetireAsync(Recording recording)
    {
        await recording.Stop.CancelAsync();
        await recording.Task;
        recording.Stop.Dispose();
        bool discard;
        lock (_gate)
        {
            recording.Ended = true;
            discard = recording.Holders == 0;
        }

        if (discard)
        {
            recording.Ring.Discard();
        }
    }

    public async Task<string?> RecordAsync(string camera, string kind, Guid alertId, DateTimeOffset raised, CancellationToken cancellationToken)
    {
        var job = new ClipJob(camera, kind, raised - _options.PreRoll, raised + _options.PostRoll, raised - _options.PreRoll + _options.MaxClip);
        Recording? recording;
        lock (_gate)
        {
            // The job keeps the ring it started on: its pre-roll is evidence of the camera as it was then.
            if (!_rings.TryGetValue(camera, out recording))
            {
                return null;
            }

            recording.Holders++;
            _jobs.Add(job);
        }

        try
        {
            var ring = recording.Ring;
            while (job.EndIfOver(_time.GetUtcNow()) is null && !recording.Ended)
            {
                await Task.Delay(Poll, _time, cancellationToken);
            }

            // A ring stopped by a configuration change gets no further segments: the clip ends with what it has.
            var end = job.End ?? _time.GetUtcNow();

            // The segment holding the end is listed once the next keyframe arrives; a stream that died gives up waiting.
            var patience = end + TimeSpan.FromSeconds(_options.SegmentSeconds * 3 + 5);
            while ((ring.NewestEnd is not { } newest || newest < end) && !recording.Ended)
            {
                if (_time.GetUtcNow() > patience)
                {
                    break;
                }

                await Task.Delay(Poll, _time, cancellationToken);
            }

            var segments = ring.Between(job.Start, end);
            var path = await ClipMuxer.WriteAsync(segments, end, _folder.ClipPath(alertId), cancellationToken);
            if (path is null)
            {
                RecordingLog.ClipEmpty(_logger, camera, alertId);
                return null;
            }

            var seconds = (Min(end, segments[^1].End) - segments[0].Start).TotalSeconds;
            RecordingLog.ClipWritten(_logger, camera, alertId, seconds, segments.Count);
            return path;
        }
        finally
        {
            bool discard;
            lock (_gate)
            {
                _jobs.Remove(job);
                recording.Holders--;
                discard = recording.Ended && recording.Holders == 0;
            }

            if (discard)
            {
                recording.Ring.Discard();
            }
        }
    }

    public void Cleared(string camera, string kind, DateTimeOffset at)
    {
        lock (_gate)
        {
            foreach (var job in _jobs.Where(j => j.Camera == camera && j.Kind == kind))
            {
                job.Clear(at);
            }
        }
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    public override void Dispose()
    {
        _subscription?.Dispose();
        lock (_gate)
        {
            foreach (var recording in _rings.Values)
            {
                recording.Stop.Dispose();
            }
        }

        base.Dispose();
    }

    /// <summary>
    /// One ring with the settings it started on, how to stop it alone, and the clips being cut from it (under the
    /// recorder's lock): a stopped ring's segments are deleted when its last clip is written.
    /// </summary>
    private sealed class Recording(SegmentRing ring, RingSettings settings)
    {
        public SegmentRing Ring => ring;

        public RingSettings Settings => settings;

        public CancellationTokenSource Stop { get; } = new();

        public Task Task { get; set; } = Task.CompletedTask;

        public int Holders { get; set; }

        private volatile bool _ended;

        /// <summary>Its ffmpeg child has ended for good: no further segment comes.</summary>
        public bool Ended
        {
            get => _ended;
            set => _ended = value;
        }
    }

    /// <summary>One clip being recorded: it ends at the post-roll or at the clear, whichever is later, and at the longest clip at most.</summary>
    private sealed class ClipJob(string camera, string kind, DateTimeOffset start, DateTimeOffset minEnd, DateTimeOffset maxEnd)
    {
        private DateTimeOffset? _cleared;

        public string Camera => camera;

        public string Kind => kind;

        public DateTimeOffset Start => start;

        public DateTimeOffset? End { get; private set; }

        public void Clear(DateTimeOffset at) => _cleared ??= at;

        /// <summary>The clip's end once it has passed, else null (the violation may still extend it).</summary>
        public DateTimeOffset? EndIfOver(DateTimeOffset now)
        {
            var end = _cleared is { } cleared ? (cleared > minEnd ? cleared : minEnd) : maxEnd;
            end = end < maxEnd ? end : maxEnd;
            return End = now >= end ? end : null;
        }
    }
}
