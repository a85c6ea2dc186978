using OpenCvSharp;

namespace EdgeGateway.Vision.Sources;

/// <summary>
/// A video file read in-process through OpenCvSharp's FFmpeg backend. (The NuGet build of that
/// backend has no network protocols, so streams go through <see cref="FfmpegProcessSource"/>.)
/// </summary>
internal sealed class OpenCvFileSource : IFrameSource
{
    // cv::CAP_PROP_N_THREADS (not in OpenCvSharp's enum).
    private const int DecoderThreadsProperty = 70;

    // OpenCV before 4.7 (Debian 12's 4.6, on the box) knows no CAP_PROP_N_THREADS and refuses the
    // whole open for it; there the decoder picks its own thread count.
    private static readonly Lazy<int[]> OpenParameters = new(() =>
        Cv2.GetVersionMajor() > 4 || (Cv2.GetVersionMajor() == 4 && Cv2.GetVersionMinor() >= 7) ? [DecoderThreadsProperty, 1] : []);
    private readonly VideoCapture _capture;

    private OpenCvFileSource(VideoCapture capture)
    {
        _capture = capture;
        Width = capture.FrameWidth;
        Height = capture.FrameHeight;
        Fps = capture.Get(VideoCaptureProperties.Fps);
        FrameCount = (long)capture.Get(VideoCaptureProperties.FrameCount);
    }

    public int Width { get; }

    public int Height { get; }

    public double Fps { get; }

    public long FrameCount { get; }

    public string? Failure => null;

    public static IFrameSource? TryOpen(string path, out string? error)
    {
        if (!File.Exists(path))
        {
            error = $"file not found: {path}";
            return null;
        }

        // One decoder thread: the detector already uses the cores, and frame threads only add latency.
        var capture = OpenParameters.Value is { Length: > 0 } parameters
            ? new VideoCapture(path, VideoCaptureAPIs.FFMPEG, parameters)
            : new VideoCapture(path, VideoCaptureAPIs.FFMPEG);
        if (!capture.IsOpened())
        {
            capture.Dispose();
            error = $"cannot open {path} as a video (corrupt, truncated or unsupported)";
            return null;
        }

        error = null;
        return new OpenCvFileSource(capture);
    }

    public bool Next() => _capture.Grab();

    public bool Retrieve(Mat frame) => _capture.Retrieve(frame) && !frame.Empty();

    /// <summary>A file read never blocks for long; nothing to do.</summary>
    public void Interrupt()
    {
    }

    public void Dispose() => _capture.Dispose();
}
