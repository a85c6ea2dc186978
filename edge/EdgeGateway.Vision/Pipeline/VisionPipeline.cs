using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using EdgeGateway.Core.Alerts;
using EdgeGateway.Core.Health;
using EdgeGateway.Core.Vision;
using EdgeGateway.Supervision.Progress;
using EdgeGateway.Vision.Configuration;
using EdgeGateway.Vision.Models;
using EdgeGateway.Vision.Native;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using EdgeGateway.Vision.Sources;
using EdgeGateway.Vision.Logging;

namespace EdgeGateway.Vision.Pipeline;

/// <summary>
/// The hosted vision pipeline: loads each configured model once (failing start-up with a message
/// that names the model), then runs one independent worker per camera. When the configuration
/// reloads it restarts only the cameras whose settings changed (all of them when <c>Vision</c>
/// changed), handing each replaced worker's raised violations to its successor. Also the read
/// side for the diagnostics page, safe while workers are swapped.
/// </summary>
public sealed class VisionPipeline : BackgroundService, ICameraMonitor
{
    private readonly IOptionsMonitor<VisionOptions> _monitor;
    private readonly DetectorPool _detectors;
    private readonly IAlertSink _sink;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, CameraStats> _stats = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Run> _runs = new(StringComparer.Ordinal);
    private readonly Channel<VisionOptions> _changes = Channel.CreateBounded<VisionOptions>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
    private readonly ProgressRegistry? _progress;
    private VisionOptions _options;
    private volatile string[] _order;
    private CancellationToken _stopping;
    private IDisposable? _subscription;

    /// <param name="progress">When given, each camera's worker beats a heartbeat (<c>camera {id}</c>) there while it runs.</param>
    public VisionPipeline(
        IOptionsMonitor<VisionOptions> options,
        DetectorPool detectors,
        IAlertSink sink,
        TimeProvider time,
        ILoggerFactory loggers,
        ProgressRegistry? progress = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggers);
        _monitor = options;
        _options = options.CurrentValue;
        _detectors = detectors;
        _sink = sink;
        _time = time;
        _loggers = loggers;
        _progress = progress;
        _logger = loggers.CreateLogger<VisionPipeline>();
        _order = [.. _options.Cameras.Select(c => c.Id)];
        foreach (var camera in _options.Cameras)
        {
            _stats[camera.Id] = new CameraStats(camera.Id, camera.Role, time);
        }
    }

    /// <summary>Live counters per camera (detector runs included), by camera id. A camera keeps its counters across a configuration change.</summary>
    public IReadOnlyDictionary<string, CameraStats> Stats => _stats;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        // Without OpenCV's native half every camera would die on its first frame: refuse to start
        // with the one line naming the package instead (NativeVisionException).
        NativeVision.EnsureAvailable();
        // From here on a reload is queued; the running pipeline applies it once the first workers run.
        _subscription ??= _monitor.OnChange(next => _changes.Writer.TryWrite(next));
        foreach (var group in _options.Cameras.GroupBy(c => c.Model, StringComparer.Ordinal))
        {
            var detector = await _detectors.GetAsync(group.Key, cancellationToken);
            var cameras = string.Join(",", group.Select(c => c.Id));
            var (layout, labels) = (detector.Model.Manifest.Layout, detector.Labels.Count);
            VisionLog.ModelReady(_logger, detector.Name, layout, _detectors.IntraOpNumThreads, labels, cameras);
            foreach (var camera in group)
            {
                _runs[camera.Id] = new Run(new CameraWorker(camera, _stats[camera.Id], detector, _options.Vision, _sink, _time, WorkerLogger(camera.Id)), Json(_options.Vision));
            }
        }

        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _stopping = stoppingToken;
        foreach (var run in _runs.Values)
        {
            Launch(run);
        }

        try
        {
            // One change at a time, the latest wins: a burst of reloads applies only the last one.
            await foreach (var next in _changes.Reader.ReadAllAsync(stoppingToken))
            {
                await ApplyAsync(next, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        await Task.WhenAll(_runs.Values.Select(r => r.Task));
    }

    /// <summary>
    /// Compares the new settings per camera: unchanged cameras keep running untouched; a changed camera's worker
    /// stops and a new one starts with the violations handed over; a removed camera stops and clears its raised
    /// violations once; an added camera starts. A camera that cannot take its new settings keeps its old ones and
    /// shows the problem as its health error.
    /// </summary>
    private async Task ApplyAsync(VisionOptions next, CancellationToken cancellationToken)
    {
        var shared = Json(next.Vision);
        var wanted = next.Cameras.ToDictionary(c => c.Id, StringComparer.Ordinal);
        foreach (var (id, run) in _runs.ToArray())
        {
            if (!wanted.ContainsKey(id))
            {
                await RetireAsync(run, successor: null, cancellationToken);
                _runs.TryRemove(id, out _);
                _stats.TryRemove(id, out _);
                VisionLog.Reconfigured(_logger, id, "removed", string.Empty);
            }
        }

        foreach (var camera in next.Cameras)
        {
            var current = _runs.GetValueOrDefault(camera.Id);
            if (current is not null && current.Shared == shared && Json(current.Worker.Options) == Json(camera))
            {
                // The camera runs with exactly these settings (also after a rollback to them).
                current.Worker.Stats.SettingsRejected(null);
                continue;
            }

            var stats = _stats.GetOrAdd(camera.Id, id => new CameraStats(id, camera.Role, _time));
            CameraWorker worker;
            try
            {
                var detector = await _detectors.GetAsync(camera.Model, cancellationToken);
                worker = new CameraWorker(camera, stats, detector, next.Vision, _sink, _time, WorkerLogger(camera.Id));
            }
            catch (Exception e) when (e is ModelException or TimeZoneNotFoundException or InvalidTimeZoneException or IOException or ArgumentException)
            {
                // Only this camera is affected; the fleet agent's health gate reads the error and rolls back.
                var error = $"Cameras '{camera.Id}': settings not applied: {e.Message}";
                stats.SettingsRejected(error);
                VisionLog.ReconfigureFailed(_logger, camera.Id, e.Message);
                continue;
            }

            stats.SettingsRejected(null);
            stats.Role = camera.Role;
            var replacement = new Run(worker, shared);
            if (current is not null)
            {
                await RetireAsync(current, worker, cancellationToken);
            }

            _runs[camera.Id] = replacement;
            Launch(replacement);
            VisionLog.Reconfigured(_logger, camera.Id, current is null ? "added" : "restarted with new settings", current is null ? string.Empty : $" ({Changes(current, camera, shared)})");
        }

        _order = [.. next.Cameras.Select(c => c.Id)];
        _options = next;
    }

    /// <summary>Stops a worker's loop, waits for it, then hands its raised violations over (or clears them once).</summary>
    private static async Task RetireAsync(Run run, CameraWorker? successor, CancellationToken cancellationToken)
    {
        await run.Stop.CancelAsync();
        await run.Task;
        await run.Worker.HandOverAsync(successor, cancellationToken);
        // Its pooled frames are freed once the reader thread (possibly blocked in FFmpeg a little longer) is gone.
        _ = run.Worker.ReaderCompletion.ContinueWith(_ => run.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private void Launch(Run run)
    {
        var worker = run.Worker;
        var loop = CancellationTokenSource.CreateLinkedTokenSource(_stopping, run.Stop.Token);
        run.Task = Task.Run(
            async () =>
            {
                using (loop)
                {
                    using var heartbeat = _progress?.Register($"camera {worker.CameraId}", CameraWorker.LoopDeadline);
                    await worker.RunAsync(heartbeat, loop.Token, _stopping);
                }
            },
            CancellationToken.None);
    }

    private ILogger WorkerLogger(string cameraId) => _loggers.CreateLogger($"EdgeGateway.Vision.Camera.{cameraId}");

    private static string Json<T>(T value) => JsonSerializer.Serialize(value);

    private static string Changes(Run previous, CameraOptions camera, string shared)
    {
        if (previous.Shared != shared)
        {
            return "Vision changed";
        }

        var before = JsonSerializer.SerializeToElement(previous.Worker.Options);
        var after = JsonSerializer.SerializeToElement(camera);
        var keys = after.EnumerateObject()
            .Where(p => !before.TryGetProperty(p.Name, out var old) || old.GetRawText() != p.Value.GetRawText())
            .Select(p => p.Name);
        return string.Join(", ", keys);
    }

    public IReadOnlyList<CameraHealth> GetHealth() =>
        [.. _order.Select(id => _stats.GetValueOrDefault(id)).OfType<CameraStats>().Select(s => s.ToHealth())];

    public bool TryGetLatestAnnotatedJpeg(string cameraId, out ReadOnlyMemory<byte> jpeg)
    {
        if (!_runs.TryGetValue(cameraId, out var run))
        {
            jpeg = default;
            return false;
        }

        return run.Worker.TryGetLatestAnnotatedJpeg(out jpeg);
    }

    public IReadOnlyList<Detection> LatestDetections(string cameraId) =>
        _runs.TryGetValue(cameraId, out var run) ? run.Worker.LatestDetections() : [];

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        // Readers block in FFmpeg for at most their read timeout; wait a little so their frames can be freed.
        try
        {
            await Task.WhenAll(_runs.Values.Select(r => r.Worker.ReaderCompletion)).WaitAsync(TimeSpan.FromSeconds(2), _time, cancellationToken);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            // A reader still blocked in FFmpeg keeps its frames; they are freed with the process.
        }
    }

    public override void Dispose()
    {
        _subscription?.Dispose();
        foreach (var run in _runs.Values)
        {
            run.Dispose();
        }

        base.Dispose();
    }

    /// <summary>One camera's running worker, the <c>Vision</c> settings it started with, and how to stop its loop alone.</summary>
    private sealed class Run(CameraWorker worker, string shared) : IDisposable
    {
        public CameraWorker Worker { get; } = worker;

        public string Shared { get; } = shared;

        public CancellationTokenSource Stop { get; } = new();

        public Task Task { get; set; } = Task.CompletedTask;

        public void Dispose()
        {
            Worker.Dispose();
            Stop.Dispose();
        }
    }
}
