using EdgeGateway.Core.Health;
using EdgeGateway.Core.Vision;
using EdgeGateway.Core.Ports;
using EdgeGateway.Supervision.Progress;
using EdgeGateway.Vision.Configuration;
using EdgeGateway.Vision.Native;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using EdgeGateway.Vision.Sources;
using EdgeGateway.Vision.Logging;

namespace EdgeGateway.Vision.Pipeline;

/// <summary>
/// The hosted vision pipeline: loads each configured model once (failing start-up with a message
/// that names the model), then runs one independent worker per camera. Also the read side for
/// the diagnostics page.
/// </summary>
public sealed class VisionPipeline : BackgroundService, ICameraMonitor
{
    private readonly VisionOptions _options;
    private readonly DetectorPool _detectors;
    private readonly IAlertSink _sink;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly Dictionary<string, CameraStats> _stats;
    private readonly List<CameraWorker> _workers = [];
    private readonly ProgressRegistry? _progress;

    /// <param name="progress">When given, each camera's worker beats a heartbeat (<c>camera {id}</c>) there while it runs.</param>
    public VisionPipeline(
        IOptions<VisionOptions> options,
        DetectorPool detectors,
        IAlertSink sink,
        TimeProvider time,
        ILoggerFactory loggers,
        ProgressRegistry? progress = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggers);
        _options = options.Value;
        _detectors = detectors;
        _sink = sink;
        _time = time;
        _loggers = loggers;
        _progress = progress;
        _logger = loggers.CreateLogger<VisionPipeline>();
        _stats = _options.Cameras.ToDictionary(c => c.Id, c => new CameraStats(c.Id, c.Role, time), StringComparer.Ordinal);
    }

    /// <summary>Live counters per camera (detector runs included), by camera id.</summary>
    public IReadOnlyDictionary<string, CameraStats> Stats => _stats;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        // Without OpenCV's native half every camera would die on its first frame: refuse to start
        // with the one line naming the package instead (NativeVisionException).
        NativeVision.EnsureAvailable();
        foreach (var group in _options.Cameras.GroupBy(c => c.Model, StringComparer.Ordinal))
        {
            var detector = await _detectors.GetAsync(group.Key, cancellationToken);
            var cameras = string.Join(",", group.Select(c => c.Id));
            var (layout, labels) = (detector.Model.Manifest.Layout, detector.Labels.Count);
            VisionLog.ModelReady(_logger, detector.Name, layout, _detectors.IntraOpNumThreads, labels, cameras);
            foreach (var camera in group)
            {
                _workers.Add(new CameraWorker(camera, _stats[camera.Id], detector, _options.Vision, _sink, _time, _loggers.CreateLogger($"EdgeGateway.Vision.Camera.{camera.Id}")));
            }
        }

        await base.StartAsync(cancellationToken);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(_workers.Select(w => Task.Run(
            async () =>
            {
                using var heartbeat = _progress?.Register($"camera {w.CameraId}", CameraWorker.LoopDeadline);
                await w.RunAsync(heartbeat, stoppingToken);
            },
            CancellationToken.None)));

    public IReadOnlyList<CameraHealth> GetHealth() => [.. _options.Cameras.Select(c => _stats[c.Id].ToHealth())];

    public bool TryGetLatestAnnotatedJpeg(string cameraId, out ReadOnlyMemory<byte> jpeg)
    {
        var worker = _workers.Find(w => w.CameraId == cameraId);
        if (worker is null)
        {
            jpeg = default;
            return false;
        }

        return worker.TryGetLatestAnnotatedJpeg(out jpeg);
    }

    public IReadOnlyList<Detection> LatestDetections(string cameraId) =>
        _workers.Find(w => w.CameraId == cameraId)?.LatestDetections() ?? [];

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        // Readers block in FFmpeg for at most their read timeout; wait a little so their frames can be freed.
        try
        {
            await Task.WhenAll(_workers.Select(w => w.ReaderCompletion)).WaitAsync(TimeSpan.FromSeconds(2), _time, cancellationToken);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            // A reader still blocked in FFmpeg keeps its frames; they are freed with the process.
        }
    }

    public override void Dispose()
    {
        foreach (var worker in _workers)
        {
            worker.Dispose();
        }

        base.Dispose();
    }
}
