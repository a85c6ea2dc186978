using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Threading.Channels;
using EdgeGateway.Vision.Configuration;
using EdgeGateway.Vision.Pipeline;
using Microsoft.Extensions.Logging;
using OpenCvSharp;

namespace EdgeGateway.Vision.Sources;

/// <summary>
/// Reads one camera through FFmpeg (OpenCvSharp's FFmpeg backend) on its own thread, so a source
/// that blocks never stalls another camera. It decodes every frame but hands on only as many as
/// the analysis rate asks for, through a one-slot channel where the latest frame wins. A dropped
/// stream is reopened with capped exponential backoff.
/// </summary>
internal sealed class CameraReader
{
    // cv::CAP_PROP_OPEN_TIMEOUT_MSEC and cv::CAP_PROP_READ_TIMEOUT_MSEC (not in OpenCvSharp's enum).
    private const int OpenTimeoutProperty = 53;
    private const int ReadTimeoutProperty = 54;

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
        CameraUrl.TryClassify(camera.Url, out _kind);
        _safeUrl = CameraUrl.Redact(camera.Url);
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
        var attempt = 0;
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
                    attempt = 0;
                    continue;
                }

                attempt = error.Frames > 0 ? 1 : attempt + 1;
                var delay = Backoff(attempt);
                _stats.Failed(error.Message);
                _stats.Reconnecting();
                VisionLog.Reconnecting(_logger, _camera.Id, error.Message, attempt, delay.TotalSeconds);
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

    private TimeSpan Backoff(int attempt)
    {
        var seconds = _camera.ReconnectMinSeconds * Math.Pow(2, Math.Min(attempt - 1, 16));
        return TimeSpan.FromSeconds(Math.Min(seconds, _camera.ReconnectMaxSeconds));
    }

    private sealed record ReadError(string Message, long Frames);

    /// <summary>Opens the source and reads until it ends or fails. Null error: a looping file restarts.</summary>
    private ReadError? ReadOnce(CancellationToken cancellationToken, out bool ended)
    {
        ended = false;
        var target = CameraUrl.OpenTarget(_camera.Url);
        if (Unreachable(target) is { } refused)
        {
            return new ReadError(refused, 0);
        }

        using var capture = Open(target);
        if (capture is null || !capture.IsOpened())
        {
            return new ReadError(OpenFailure(target), 0);
        }

        var fps = capture.Get(VideoCaptureProperties.Fps);
        var frameCount = _kind == SourceKind.File ? (long)capture.Get(VideoCaptureProperties.FrameCount) : 0;
        var (width, height) = (capture.FrameWidth, capture.FrameHeight);
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
            if (!capture.Grab())
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
            if (now - lastHanded < period * 0.9)
            {
                continue;
            }

            var frame = _pool.Rent();
            if (!capture.Retrieve(frame) || frame.Empty())
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
            return new ReadError(frames == 0
                ? $"opened {_safeUrl} but no frame arrived within {_camera.OpenTimeoutSeconds:0.#} s"
                : $"stream {_safeUrl} dropped after {frames} frames (no frame within {_camera.OpenTimeoutSeconds:0.#} s)", frames);
        }

        var problem = frames == 0
            ? $"cannot decode any frame of {target} (corrupt or not a video)"
            : frameCount > 0 && frames < frameCount * 0.95
                ? $"file {target} ended at frame {frames} of {frameCount} (truncated or corrupt)"
                : null;
        if (problem is not null)
        {
            // A broken file does not heal by reading it again at once; back off like a dropped stream.
            return new ReadError(problem, 0);
        }

        if (_camera.Loop)
        {
            return null;
        }

        VisionLog.FileEnded(_logger, _camera.Id, frames, string.Empty);
        _stats.EndOfFile(null);
        ended = true;
        return null;
    }

    private VideoCapture? Open(string target)
    {
        if (_kind == SourceKind.V4l2)
        {
            return new VideoCapture(target, VideoCaptureAPIs.V4L2);
        }

        var timeoutMs = (int)(_camera.OpenTimeoutSeconds * 1000);
        return new VideoCapture(target, VideoCaptureAPIs.FFMPEG, [OpenTimeoutProperty, timeoutMs, ReadTimeoutProperty, timeoutMs]);
    }

    private string OpenFailure(string target) => _kind switch
    {
        SourceKind.File when !File.Exists(target) => $"file not found: {target}",
        SourceKind.File => $"cannot open {target} as a video (corrupt, truncated or unsupported)",
        SourceKind.V4l2 when !File.Exists(target) => $"device not found: {target}",
        SourceKind.V4l2 => $"cannot open video device {target}",
        _ => $"cannot open {_safeUrl}: no video stream within {_camera.OpenTimeoutSeconds:0.#} s (wrong path, credentials or codec?)",
    };

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
