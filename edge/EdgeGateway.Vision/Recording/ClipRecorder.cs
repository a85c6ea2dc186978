using EdgeGateway.Core.Evidence;
using EdgeGateway.Vision.Configuration;
using EdgeGateway.Vision.Sources;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.Vision.Recording;

/// <summary>
/// The box's recorder: a <see cref="SegmentRing"/> per camera with <c>Record</c> on (the main stream, <c>Url</c>),
/// and per raised alert an MP4 from <c>Evidence:PreRoll</c> before the raise to <c>PostRoll</c> after it, extended
/// while the violation lasts, never longer than <c>MaxClip</c>.
/// </summary>
public sealed class ClipRecorder : BackgroundService, IClipRecorder
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);
    private readonly Dictionary<string, SegmentRing> _rings = new(StringComparer.Ordinal);
    private readonly List<ClipJob> _jobs = [];
    private readonly Lock _gate = new();
    private readonly EvidenceOptions _options;
    private readonly EvidenceFolder _folder;
    private readonly TimeProvider _time;
    private readonly ILogger<ClipRecorder> _logger;

    public ClipRecorder(IEnumerable<CameraOptions> cameras, EvidenceOptions options, EvidenceFolder folder, TimeProvider time, ILogger<ClipRecorder> logger)
    {
        ArgumentNullException.ThrowIfNull(cameras);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(folder);
        _options = options;
        _folder = folder;
        _time = time;
        _logger = logger;
        var keep = options.MaxClip + options.PreRoll + TimeSpan.FromSeconds(options.SegmentSeconds * 4 + 10);
        foreach (var camera in cameras.Where(c => c.Records))
        {
            if (CameraUrl.TryClassify(camera.Url, out var kind) && kind is SourceKind.Http or SourceKind.V4l2)
            {
                RecordingLog.NotCopyable(logger, camera.Id, kind.ToString());
                continue;
            }

            _rings[camera.Id] = new SegmentRing(camera, Path.Combine(folder.Root, "segments"), options.SegmentSeconds, keep, time, logger);
        }
    }

    /// <summary>The recorder's ffmpeg children, for the CPU measurement.</summary>
    public IReadOnlyList<int> ProcessIds => [.. _rings.Values.Select(r => r.ProcessId).OfType<int>()];

    public bool Records(string camera) => _rings.ContainsKey(camera);

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        foreach (var ring in _rings.Values)
        {
            RecordingLog.RecorderStarted(_logger, ring.CameraId, _options.PreRoll.TotalSeconds, _options.SegmentSeconds);
        }

        return Task.WhenAll(_rings.Values.Select(r => r.RunAsync(stoppingToken)));
    }

    public async Task<string?> RecordAsync(string camera, string kind, Guid alertId, DateTimeOffset raised, CancellationToken cancellationToken)
    {
        if (!_rings.TryGetValue(camera, out var ring))
        {
            return null;
        }

        var job = new ClipJob(camera, kind, raised - _options.PreRoll, raised + _options.PostRoll, raised - _options.PreRoll + _options.MaxClip);
        lock (_gate)
        {
            _jobs.Add(job);
        }

        try
        {
            while (job.EndIfOver(_time.GetUtcNow()) is null)
            {
                await Task.Delay(Poll, _time, cancellationToken);
            }

            var end = job.End!.Value;

            // The segment holding the end is listed once the next keyframe arrives; a stream that died gives up waiting.
            var patience = end + TimeSpan.FromSeconds(_options.SegmentSeconds * 3 + 5);
            while (ring.NewestEnd is not { } newest || newest < end)
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
            lock (_gate)
            {
                _jobs.Remove(job);
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
