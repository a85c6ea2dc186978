using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Threading.Channels;
using EdgeGateway.Vision.Configuration;
using Microsoft.Extensions.Logging;
using OpenCvSharp;
using EdgeGateway.Vision.Logging;

namespace EdgeGateway.Vision.Sources;

/// <summary>
/// Reads one camera through FFmpeg (files in-process with OpenCvSharp, streams and devices with an
/// ffmpeg child process) on its own thread, so a source that blocks never stalls another camera. It decodes every frame but hands on only as many as
/// the analysis rate asks for, through a one-slot channel where the latest frame wins. A dropped
/// stream is reopened with capped exponential backoff.
/// </summary>
internal sealed class CameraReader
{
    private readonly CameraOptions _camera;
    private readonly CameraStats _stats;
    private readonly ChannelWriter<Mat> _frames;
    private readonly MatPool _pool;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SourceKind _kind;
    private readonly string _safeUrl;
    private readonly TaskCompletionSource _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public CameraReader(CameraOptions camera, CameraStats stats, ChannelWriter<Mat> frames, MatPool pool, TimeProvider time, ILogger logger)
    {
        _camera = camera;
        _stats = stats;
        _frames = frames;
        _pool = pool;
        _time = time;
        _logger = logger;
        CameraUrl.TryClassify(camera.AnalysisUrl, out _kind);
        _safeUrl = CameraUrl.Redact(camera.AnalysisUrl);
    }

    /// <summary>Completes when the reader thread has exited.</summary>
    public Task Completion => _completed.Task;

    public void Start(CancellationToken cancellationToken)
    {
        var thread = new Thread(() => Run(cancellationToken))
        {
            IsBackground = true,
            Name = $"camera-{_camera.Id}",
        };
        thread.Start();
    }

    private void Run(CancellationToken cancellationToken)
    {
        var reconnect = _camera.Reconnect().Start(_time);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var error = ReadOnce(cancellationToken, out var ended);
                if (ended || cancellationToken.IsCancellationRequested)
                {
                    break;
                }

                if (error is null)
                {
                    // A looping file came to its end: start again at once.
                    reconnect.Reset();
                    continue;
                }

                if (error.Frames > 0)
                {
                    // The stream worked for a while: this is a fresh failure, not one more of a series.
                    reconnect.Reset();
                }

                var delay = reconnect.Fail();
                _stats.Failed(error.Message);
                _stats.Reconnecting();
                VisionLog.Reconnecting(_logger, _camera.Id, error.Message, reconnect.Attempt, delay.TotalSeconds);
                Sleep(delay, cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
        finally
        {
            _frames.TryComplete();
            _completed.TrySetResult();
        }
    }

    private sealed record ReadError(string Message, long Frames);

    /// <summary>Opens the source and reads until it ends or fails. Null error: a looping file restarts.</summary>
    private ReadError? ReadOnce(CancellationToken cancellationToken, out bool ended)
    {
        ended = false;
        var target = CameraUrl.OpenTarget(_camera.AnalysisUrl);
        using var source = Open(target, out var openError);
        if (source is null)
        {
            // Only after a failure: a camera that serves one client at a time must not see an extra connection.
            return new ReadError(Unreachable(target) ?? openError ?? $"cannot open {_safeUrl}", 0);
        }

        using var interrupt = cancellationToken.Register(static s => ((IFrameSource)s!).Interrupt(), source);
        var (width, height, fps) = (source.Width, source.Height, source.Fps);
        VisionLog.Opened(_logger, _camera.Id, _safeUrl, width, height, fps);
        _stats.Opened();

        var pace = _kind == SourceKind.File && _camera.Realtime
            ? TimeSpan.FromSeconds(1 / (fps is > 0 and < 1000 ? fps : 10))
            : TimeSpan.Zero;
        var period = Stopwatch.Frequency / _camera.AnalysisFps;
        var started = _time.GetTimestamp();
        long lastHanded = long.MinValue / 2;
        long frames = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            if (!source.Next())
            {
                break;
            }

            frames++;
            _stats.FrameIn();
            if (pace > TimeSpan.Zero)
            {
                var due = TimeSpan.FromTicks(pace.Ticks * frames);
                var wait = due - _time.GetElapsedTime(started);
                if (wait > TimeSpan.Zero)
                {
                    Sleep(wait, cancellationToken);
                }
            }

            var now = _time.GetTimestamp();
            if (now - lastHanded < period * 0.8)
            {
                continue;
            }

            var frame = _pool.Rent();
            if (!source.Retrieve(frame))
            {
                _pool.Return(frame);
                continue;
            }

            lastHanded = now;
            if (!_frames.TryWrite(frame))
            {
                _pool.Return(frame);
            }
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return null;
        }

        if (_kind != SourceKind.File)
        {
            return new ReadError(source.Failure ?? $"stream {_safeUrl} ended after {frames} frames", frames);
        }

        var frameCount = source.FrameCount;
        var problem = frames == 0
            ? $"cannot decode any frame of {target} (corrupt or not a video)"
            : frameCount > 0 && frames < frameCount * 0.95
                ? $"file {target} ended at frame {frames} of {frameCount} (truncated or corrupt)"
                : null;
        if (problem is not null && _camera.Loop)
        {
            // A looping file camera keeps trying, with backoff, in case the file is replaced.
            return new ReadError(problem, 0);
        }

        if (_camera.Loop)
        {
            return null;
        }

        var detail = problem is null ? string.Empty : ": " + problem;
        VisionLog.FileEnded(_logger, _camera.Id, frames, detail);
        _stats.EndOfFile(problem);
        ended = true;
        return null;
    }

    private IFrameSource? Open(string target, out string? error) => _kind == SourceKind.File
        ? OpenCvFileSource.TryOpen(target, out error)
        : FfmpegProcessSource.TryOpen(target, _kind, _camera.AnalysisFps, TimeSpan.FromSeconds(_camera.OpenTimeoutSeconds), _time, out error);

    /// <summary>A quick TCP check so "connection refused" is reported as such rather than as a vague open failure.</summary>
    private string? Unreachable(string target)
    {
        if (_kind is not (SourceKind.Rtsp or SourceKind.Http) || CameraUrl.Endpoint(target) is not { } endpoint)
        {
            return null;
        }

        try
        {
            using var client = new TcpClient();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(Math.Min(5, _camera.OpenTimeoutSeconds)));
            client.ConnectAsync(endpoint.Host, endpoint.Port, timeout.Token).AsTask().GetAwaiter().GetResult();
            return null;
        }
        catch (SocketException e)
        {
            return string.Create(CultureInfo.InvariantCulture, $"cannot connect to {endpoint.Host}:{endpoint.Port} ({e.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => "connection refused",
                SocketError.HostNotFound or SocketError.NoData => "host not found",
                SocketError.HostUnreachable or SocketError.NetworkUnreachable => "host unreachable",
                _ => e.SocketErrorCode.ToString(),
            }})");
        }
        catch (OperationCanceledException)
        {
            return $"cannot connect to {endpoint.Host}:{endpoint.Port} (no answer within {Math.Min(5, _camera.OpenTimeoutSeconds):0.#} s)";
        }
    }

    private void Sleep(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            Task.Delay(delay, _time, cancellationToken).Wait(cancellationToken);
        }
        catch (AggregateException e) when (e.InnerException is TaskCanceledException)
        {
            throw new OperationCanceledException(cancellationToken);
        }
    }
}
