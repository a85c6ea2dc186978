using System.Globalization;
using System.Threading.Channels;
using EdgeGateway.Core.Alerts;
using EdgeGateway.Core.Vision;
using EdgeGateway.Supervision.Progress;
using EdgeGateway.Vision.Configuration;
using EdgeGateway.Vision.Detectors;
using EdgeGateway.Vision.Motion;
using EdgeGateway.Vision.Rules;
using EdgeGateway.Vision.Sources;
using Microsoft.Extensions.Logging;
using OpenCvSharp;
using EdgeGateway.Vision.Logging;

namespace EdgeGateway.Vision.Pipeline;

/// <summary>
/// One camera end to end: its reader thread feeds a one-slot, latest-wins channel; this worker
/// gates each frame on motion, runs the shared detector when the scene moved (or the re-check
/// interval has passed), feeds the rules and hands raised/cleared violations to the alert sink.
/// </summary>
internal sealed class CameraWorker : IDisposable
{
    /// <summary>How long one turn of the worker (a frame analysed, or a tick without one) may take before the watchdog calls it stalled.</summary>
    public static readonly TimeSpan LoopDeadline = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan TickInterval = TimeSpan.FromMilliseconds(500);
    private readonly CameraOptions _camera;
    private readonly ObjectDetector _detector;
    private readonly IReadOnlyList<RuleEvaluator> _rules;
    private readonly HashSet<string> _violationLabels;
    private readonly IAlertSink _sink;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly MatPool _pool = new();
    private readonly Channel<Mat> _frames;
    private readonly MotionGate _motion;
    private readonly DetectionGate _gate;
    private readonly SnapshotRenderer _snapshots;
    private readonly SnapshotRenderer _annotations;
    private readonly List<Detection> _detections = [];
    private readonly List<ViolationEvent> _events = [];
    private readonly Lock _latestGate = new();
    private readonly List<Detection> _latestDetections = [];
    private Mat? _latest;
    private bool _disposed;
    private bool _stallReported;
    private CameraReader? _reader;

    public CameraWorker(
        CameraOptions camera,
        CameraStats stats,
        ObjectDetector detector,
        VisionSettings settings,
        IAlertSink sink,
        TimeProvider time,
        ILogger logger)
    {
        _camera = camera;
        Stats = stats;
        _detector = detector;
        _sink = sink;
        _time = time;
        _logger = logger;
        var timeZone = settings.ResolveTimeZone();
        var rules = DefaultRules.For(camera, detector.Labels);
        _rules = [.. rules.Select(r => new RuleEvaluator(camera.Id, r, camera.Zones, detector.DefaultScoreThreshold, timeZone))];
        _violationLabels = new HashSet<string>(rules.SelectMany(r => r.Labels), StringComparer.Ordinal);
        _frames = Channel.CreateBounded<Mat>(
            new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true, SingleWriter = true },
            dropped =>
            {
                stats.FrameDropped();
                _pool.Return(dropped);
            });
        _motion = new MotionGate(camera.MotionThreshold, camera.MotionPixelDelta);
        _gate = new DetectionGate(_motion, TimeSpan.FromSeconds(camera.RecheckSeconds));
        _snapshots = new SnapshotRenderer(settings.SnapshotMaxWidth, settings.SnapshotMaxBytes);
        _annotations = new SnapshotRenderer(settings.SnapshotMaxWidth, settings.SnapshotMaxBytes);
    }

    public CameraStats Stats { get; }

    public string CameraId => _camera.Id;

    /// <summary>The settings this worker runs with; a configuration change compares them to decide whether it restarts.</summary>
    public CameraOptions Options => _camera;

    public IReadOnlyList<RuleEvaluator> Rules => _rules;

    /// <summary>
    /// Runs until <paramref name="cancellationToken"/> stops the loop; each turn (every frame, or every tick without one)
    /// beats <paramref name="heartbeat"/>. An alert already being handed to the sink is only abandoned when
    /// <paramref name="abort"/> fires (the service stops), so a worker replaced on a configuration change finishes it.
    /// </summary>
    public async Task RunAsync(Heartbeat? heartbeat, CancellationToken cancellationToken, CancellationToken abort = default)
    {
        _reader = new CameraReader(_camera, Stats, _frames.Writer, _pool, _time, _logger);
        _reader.Start(cancellationToken);
        var frames = _frames.Reader;
        var readerDone = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            heartbeat?.Beat();
            Mat? frame = null;
            try
            {
                if (readerDone)
                {
                    await Task.Delay(TickInterval, _time, cancellationToken);
                }
                else
                {
                    using var tick = new CancellationTokenSource(TickInterval, _time);
                    using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, tick.Token);
                    readerDone = !await frames.WaitToReadAsync(linked.Token);
                    frames.TryRead(out frame);
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // No frame this tick: time still passes for the rules.
            }
            catch (OperationCanceledException)
            {
                break;
            }

            try
            {
                if (frame is not null)
                {
                    Analyse(frame);
                }
                else
                {
                    CheckStall();
                    var now = _time.GetUtcNow();
                    foreach (var rule in _rules)
                    {
                        rule.Tick(now, _events);
                    }
                }
            }
            catch (Exception e) when (e is OpenCVException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException or ArgumentException)
            {
                VisionLog.AnalysisFailed(_logger, e, _camera.Id);
                _events.Clear();
            }

            await PublishAsync(frame, abort);
            if (frame is not null)
            {
                KeepLatest(frame);
            }
        }
    }

    /// <summary>Motion gate, detector (when worth it), rules. Leaves any raise/clear in <see cref="_events"/>.</summary>
    private void Analyse(Mat frame)
    {
        _stallReported = false;
        var readAt = Stats.LastFrameTimestamp;
        var now = _time.GetUtcNow();
        var run = _gate.ShouldDetect(frame, now);
        var started = -1L;
        if (run)
        {
            // On a still scene the previous detections stand: nothing in the picture changed.
            started = _time.GetTimestamp();
            _detector.Detect(frame, _detections);
        }

        Stats.FrameAnalysed(run, readAt, started);
        foreach (var rule in _rules)
        {
            rule.Observe(now, _detections, frame.Cols, frame.Rows, _events);
        }
    }

    private async Task PublishAsync(Mat? frame, CancellationToken cancellationToken)
    {
        if (_events.Count == 0)
        {
            return;
        }

        foreach (var violation in _events)
        {
            VisionLog.Violation(_logger, _camera.Id, violation.Kind, violation.State == AlertState.Raised ? "raised" : "cleared", violation.Detection.Label, violation.Detection.Score);
            var draft = new AlertDraft(violation.Kind, violation.Severity, violation.State, Attributes(violation));
            if (violation.State == AlertState.Raised && frame is not null)
            {
                draft = draft with { SnapshotJpeg = _snapshots.Render(frame, _detections, IsViolation, _camera.Zones) };
            }

            try
            {
                await _sink.PublishAsync(draft, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                VisionLog.AlertFailed(_logger, e, _camera.Id, violation.Kind);
            }
        }

        _events.Clear();
    }

    /// <summary>
    /// After this worker's loop has ended: hands each rule's raised violations to the rule of the same kind in
    /// <paramref name="successor"/> (not started yet), and publishes once the clear of those no rule takes over
    /// (the rule or the camera is gone).
    /// </summary>
    public async Task HandOverAsync(CameraWorker? successor, CancellationToken cancellationToken)
    {
        foreach (var rule in _rules)
        {
            var next = successor?._rules.FirstOrDefault(r => string.Equals(r.Kind, rule.Kind, StringComparison.Ordinal));
            if (next is not null)
            {
                next.TakeOver(rule.HandOver());
            }
            else if (rule.ActiveCount > 0)
            {
                VisionLog.RuleGone(_logger, _camera.Id, rule.Kind, rule.ActiveCount, successor is null ? "camera removed" : "rule removed");
                rule.ClearAll(_events);
            }
        }

        await PublishAsync(null, cancellationToken);
    }

    private bool IsViolation(Detection detection) => _violationLabels.Contains(detection.Label);

    private Dictionary<string, string> Attributes(ViolationEvent violation)
    {
        var box = violation.Detection.Box;
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["camera"] = _camera.Id,
            ["label"] = violation.Detection.Label,
            ["score"] = violation.Detection.Score.ToString("0.00", CultureInfo.InvariantCulture),
            ["box"] = string.Create(CultureInfo.InvariantCulture, $"{box.X1:0},{box.Y1:0},{box.X2:0},{box.Y2:0}"),
        };
        if (violation.Zone is { } zone)
        {
            attributes["zone"] = zone;
        }

        return attributes;
    }

    private void CheckStall()
    {
        if (Stats.Connected && Stats.SecondsWithoutFrames is { } age && age > _camera.StallSeconds)
        {
            var error = string.Create(CultureInfo.InvariantCulture, $"no frames for {age:0} s");
            Stats.Stalled(error);
            if (!_stallReported)
            {
                _stallReported = true;
                VisionLog.Stalled(_logger, _camera.Id, error);
            }
        }
    }

    /// <summary>Keeps the frame for the diagnostics page and returns the previous one to the pool (no copy).</summary>
    private void KeepLatest(Mat frame)
    {
        Mat? previous;
        lock (_latestGate)
        {
            previous = _latest;
            _latest = frame;
            _latestDetections.Clear();
            _latestDetections.AddRange(_detections);
        }

        if (previous is not null)
        {
            _pool.Return(previous);
        }
    }

    /// <summary>The detections drawn on <see cref="TryGetLatestAnnotatedJpeg"/>'s frame.</summary>
    public IReadOnlyList<Detection> LatestDetections()
    {
        lock (_latestGate)
        {
            return [.. _latestDetections];
        }
    }

    public bool TryGetLatestAnnotatedJpeg(out ReadOnlyMemory<byte> jpeg)
    {
        lock (_latestGate)
        {
            if (_latest is null || _disposed)
            {
                jpeg = default;
                return false;
            }

            jpeg = _annotations.Render(_latest, _latestDetections, IsViolation, _camera.Zones);
            return true;
        }
    }

    /// <summary>Completes when the reader thread has exited.</summary>
    public Task ReaderCompletion => _reader?.Completion ?? Task.CompletedTask;

    public void Dispose()
    {
        _motion.Dispose();
        _snapshots.Dispose();
        var readerGone = ReaderCompletion.IsCompleted;
        if (readerGone)
        {
            // Only once the reader thread is gone are the pooled frames ours to free.
            _pool.Dispose();
        }

        // The page may be rendering this worker's latest frame while a configuration change retires it.
        lock (_latestGate)
        {
            _disposed = true;
            if (readerGone)
            {
                _latest?.Dispose();
                _latest = null;
            }

            _annotations.Dispose();
        }
    }
}
