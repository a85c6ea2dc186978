using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using OpenCvSharp;

namespace EdgeGateway.Vision.Sources;

/// <summary>
/// An RTSP, HTTP (MJPEG) or V4L2 camera read by an <c>ffmpeg</c> child process that decodes,
/// thins the stream to the analysis rate and writes raw BGR frames to a pipe. Frames are read
/// straight into a reused buffer. A watchdog kills the process when no frame arrives in time, so
/// a silent camera never blocks its reader for long.
/// </summary>
internal sealed partial class FfmpegProcessSource : IFrameSource
{
    private const int KeptErrorLines = 4;
    private readonly Process _process;
    private readonly Stream _stdout;
    private readonly Queue<string> _errors = new();
    private readonly Lock _errorsGate = new();
    private readonly TaskCompletionSource<(int Width, int Height)> _size = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ITimer _watchdog;
    private readonly TimeSpan _timeout;
    private readonly string _url;
    private readonly string _safeUrl;
    private Mat? _current;
    private volatile bool _timedOut;
    private bool _inOutput;

    private FfmpegProcessSource(Process process, string url, string safeUrl, TimeSpan timeout, TimeProvider time)
    {
        _process = process;
        _stdout = process.StandardOutput.BaseStream;
        _url = url;
        _safeUrl = safeUrl;
        _timeout = timeout;
        _watchdog = time.CreateTimer(_ => Expire(), null, timeout, Timeout.InfiniteTimeSpan);
        process.ErrorDataReceived += (_, e) => OnError(e.Data);
        process.BeginErrorReadLine();
    }

    public int Width { get; private set; }

    public int Height { get; private set; }

    public double Fps => 0;

    public long FrameCount => 0;

    public string? Failure { get; private set; }

    /// <summary>Starts ffmpeg and waits until it reports the frame size; null and an error when it cannot.</summary>
    public static IFrameSource? TryOpen(string url, SourceKind kind, double analysisFps, TimeSpan timeout, TimeProvider time, out string? error)
    {
        var safeUrl = CameraUrl.Redact(url);
        var microseconds = ((long)timeout.TotalMicroseconds).ToString(CultureInfo.InvariantCulture);
        // A short probe: the size is all we need, and a camera should open in well under the timeout.
        var arguments = new List<string> { "-nostdin", "-hide_banner", "-nostats", "-loglevel", "info", "-analyzeduration", "1000000", "-probesize", "2000000" };
        switch (kind)
        {
            case SourceKind.Rtsp:
                arguments.AddRange(["-rtsp_transport", "tcp", "-timeout", microseconds]);
                break;
            case SourceKind.Http:
                arguments.AddRange(["-rw_timeout", microseconds]);
                break;
            case SourceKind.V4l2:
                arguments.AddRange(["-f", "v4l2"]);
                break;
        }

        var fps = analysisFps.ToString("0.###", CultureInfo.InvariantCulture);
        arguments.AddRange(["-i", url, "-an", "-sn", "-dn", "-vf", $"fps={fps}", "-pix_fmt", "bgr24", "-f", "rawvideo", "pipe:1"]);
        var start = new ProcessStartInfo("ffmpeg", arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
        };
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("no process");
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            error = $"cannot start ffmpeg ({e.Message}); install the ffmpeg package";
            return null;
        }

        var source = new FfmpegProcessSource(process, url, safeUrl, timeout, time);
        var exited = process.WaitForExitAsync();
        var first = Task.WhenAny(source._size.Task, exited).GetAwaiter().GetResult();
        if (first == source._size.Task && source._size.Task.IsCompletedSuccessfully)
        {
            (source.Width, source.Height) = source._size.Task.Result;
            error = null;
            return source;
        }

        error = source.Describe(opening: true);
        source.Dispose();
        return null;
    }

    public bool Next()
    {
        var bytes = Width * Height * 3;
        _current ??= new Mat(Height, Width, MatType.CV_8UC3);
        try
        {
            ReadExactly(_current, bytes);
            _watchdog.Change(_timeout, Timeout.InfiniteTimeSpan);
            return true;
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or ObjectDisposedException)
        {
            _process.WaitForExit(1000);
            Failure = Describe(opening: false);
            return false;
        }
    }

    private unsafe void ReadExactly(Mat target, int bytes)
    {
        var span = new Span<byte>((void*)target.Data, bytes);
        _stdout.ReadExactly(span);
    }

    public bool Retrieve(Mat frame)
    {
        if (_current is null)
        {
            return false;
        }

        _current.CopyTo(frame);
        return true;
    }

    public void Interrupt() => Kill();

    private void Expire()
    {
        _timedOut = true;
        Kill();
    }

    private void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    private void OnError(string? line)
    {
        if (string.IsNullOrWhiteSpace(line))
        {
            return;
        }

        if (line.StartsWith("Output #0", StringComparison.Ordinal))
        {
            _inOutput = true;
        }
        else if (_inOutput && OutputSize().Match(line) is { Success: true } match)
        {
            _size.TrySetResult((int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture)));
        }

        if (line.StartsWith(' ') || NoiseLine().IsMatch(line))
        {
            return;
        }

        lock (_errorsGate)
        {
            _errors.Enqueue(line);
            while (_errors.Count > KeptErrorLines)
            {
                _errors.Dequeue();
            }
        }
    }

    /// <summary>One line for the health page: what ffmpeg last complained about, without credentials.</summary>
    private string Describe(bool opening)
    {
        string? last;
        lock (_errorsGate)
        {
            last = _errors.LastOrDefault();
        }

        var seconds = _timeout.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture);
        if (_timedOut)
        {
            return opening
                ? $"no frames from {_safeUrl}: nothing arrived within {seconds} s"
                : $"stream {_safeUrl} stalled: no frame within {seconds} s";
        }

        var detail = last is not null ? Redact(last)
            : _process.HasExited ? $"the connection closed (ffmpeg exit code {_process.ExitCode})"
            : "ffmpeg stopped sending frames";
        return opening ? $"cannot open {_safeUrl}: {detail}" : $"stream {_safeUrl} ended: {detail}";
    }

    private string Redact(string line) => CameraUrl.RedactLine(line, _url);

    public void Dispose()
    {
        _watchdog.Dispose();
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(2000);
            }
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped.
        }

        _process.Dispose();
        _current?.Dispose();
    }

    [GeneratedRegex(@"Video: rawvideo.*?, (\d{2,5})x(\d{2,5})")]
    private static partial Regex OutputSize();

    /// <summary>ffmpeg's informational lines, which say nothing about why a stream failed.</summary>
    [GeneratedRegex(@"^(Input #|Output #|Stream mapping|Press \[q\]|video:|frame=|Exiting normally|Metadata:|Duration:)")]
    private static partial Regex NoiseLine();
}
