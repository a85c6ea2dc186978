using System.Globalization;
using EdgeGateway.Vision.Native;
using OpenCvSharp;

namespace EdgeGateway.Host.Setup.Doctor;

/// <summary>
/// Each camera connects and decodes a frame. Inside the running gateway the camera's own pipeline
/// is asked instead, so the check never takes a second stream from a camera that allows one.
/// </summary>
internal sealed class CameraCheck : IDoctorCheck
{
    // cv::CAP_PROP_OPEN_TIMEOUT_MSEC and CAP_PROP_READ_TIMEOUT_MSEC; OpenCvSharp's enum lacks them.
    private const int OpenTimeoutProperty = 53;
    private const int ReadTimeoutProperty = 54;
    private static readonly TimeSpan OpenTimeout = TimeSpan.FromSeconds(6);

    public string Name => "camera";

    public async Task<IReadOnlyList<DoctorResult>> RunAsync(DoctorContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var cameras = context.Settings.Cameras;
        if (cameras.Count == 0)
        {
            return [DoctorResult.Pass(Name, "no cameras configured")];
        }

        if (context.Live?.Cameras is { } monitor)
        {
            var health = monitor.GetHealth();
            return [.. cameras.Select(camera => health.FirstOrDefault(h => h.CameraId == camera.Id) is { } h
                ? FromHealth(camera, h)
                : DoctorResult.Fail($"{Name} {camera.Id}", "configured but not running in the gateway", "check the gateway log for why the camera did not start"))];
        }

        if (!NativeVision.Status.Available)
        {
            // The vision line already fails with what to install; one problem, one failure line.
            return [DoctorResult.Warn(Name, $"{cameras.Count} camera(s) not probed: OpenCV does not load", "see the vision line")];
        }

        var probes = cameras.Select(camera => Task.Run(() => Probe(camera), cancellationToken));
        return await Task.WhenAll(probes);
    }

    private DoctorResult FromHealth(CameraSettings camera, Core.Health.CameraHealth health)
    {
        var name = $"{Name} {camera.Id}";
        if (!health.Connected)
        {
            return DoctorResult.Fail(name, $"not connected ({health.LastError ?? "no error reported"}), {health.Reconnects} reconnects", Hint(camera.Url));
        }

        return health.LastFrameAgeSeconds is > 10
            ? DoctorResult.Warn(name, $"connected, but the last frame is {health.LastFrameAgeSeconds:0} s old", "the stream stalls; check the camera's bitrate and the network")
            : DoctorResult.Pass(name, string.Create(CultureInfo.InvariantCulture, $"connected, analysing {health.AnalysisFps:0.0} fps"));
    }

    private DoctorResult Probe(CameraSettings camera)
    {
        var name = $"{Name} {camera.Id}";
        var shown = GatewaySettingsValidator.Redacted(camera.Url);
        int[] timeouts = [OpenTimeoutProperty, (int)OpenTimeout.TotalMilliseconds, ReadTimeoutProperty, (int)OpenTimeout.TotalMilliseconds];
        var target = Vision.Sources.CameraUrl.OpenTarget(camera.Url);
        using var capture = target.StartsWith("/dev/video", StringComparison.Ordinal)
                            && int.TryParse(target["/dev/video".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            ? new VideoCapture(index, VideoCaptureAPIs.V4L2, timeouts)
            : new VideoCapture(target, VideoCaptureAPIs.FFMPEG, timeouts);
        if (!capture.IsOpened())
        {
            return DoctorResult.Fail(name, $"cannot open {shown}", Hint(camera.Url));
        }

        using var frame = new Mat();
        if (!capture.Read(frame) || frame.Empty())
        {
            return DoctorResult.Fail(name, $"{shown} opened but no frame decoded", "the stream's codec may be unsupported (use H.264 or MJPEG), or the camera sends nothing");
        }

        return DoctorResult.Pass(name, $"{shown}: decoded a {frame.Width}x{frame.Height} frame");
    }

    private static string Hint(string url) =>
        url.StartsWith("rtsp", StringComparison.Ordinal)
            ? "check the camera is powered and on this network (ping it), the RTSP port (usually 554), path and credentials in Vision:Cameras"
            : url.StartsWith("/dev/video", StringComparison.Ordinal)
                ? "check the USB camera is plugged in and the edgegw user is in the 'video' group"
                : "check the address and that the camera or file is reachable from this box";
}
