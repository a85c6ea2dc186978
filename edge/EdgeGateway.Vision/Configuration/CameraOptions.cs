using EdgeGateway.Supervision.Retry;

namespace EdgeGateway.Vision.Configuration;

/// <summary>One camera (<c>Cameras:N</c>). See README.md for every key.</summary>
public sealed class CameraOptions
{
    public string Id { get; set; } = string.Empty;

    /// <summary><c>rtsp://</c>, <c>http(s)://</c> (MJPEG), a video file path (or <c>file://</c>), or a V4L2 device (<c>/dev/video0</c>, <c>v4l2:///dev/video0</c>).</summary>
    public string Url { get; set; } = string.Empty;

    /// <summary>
    /// Optional second stream for analysis, e.g. the camera's low-resolution substream; <see cref="Url"/> (the main
    /// stream) is then only recorded. Empty: <see cref="Url"/> is analysed and recorded.
    /// </summary>
    public string? DetectUrl { get; set; }

    /// <summary>Keep a pre-roll of <see cref="Url"/> (stream copy) and write a clip per alert; default on for kitchen and car.</summary>
    public bool? Record { get; set; }

    /// <summary>The stream the detector reads.</summary>
    public string AnalysisUrl => DetectUrl is { Length: > 0 } detect ? detect : Url;

    public bool Records => Record ?? CameraRoles.All.Contains(Role, StringComparer.Ordinal);

    /// <summary><c>kitchen</c> or <c>car</c> (elevator car).</summary>
    public string Role { get; set; } = CameraRoles.Kitchen;

    /// <summary>Frames per second handed to the analysis; the rest are decoded and skipped.</summary>
    public double AnalysisFps { get; set; } = 5;

    /// <summary>Model name (a manifest under the model folder), manifest path or model folder.</summary>
    public string Model { get; set; } = "yolox-nano-coco80";

    /// <summary>Files only: start again at the end instead of stopping.</summary>
    public bool Loop { get; set; }

    /// <summary>Files only: read at the file's own frame rate (true) or as fast as possible (false).</summary>
    public bool Realtime { get; set; } = true;

    /// <summary>Fraction (0..1) of changed pixels in the small grey frame that counts as motion.</summary>
    public double MotionThreshold { get; set; } = 0.002;

    /// <summary>Grey-level change (0..255) for a pixel to count as changed.</summary>
    public int MotionPixelDelta { get; set; } = 25;

    /// <summary>On a still scene the detector still runs this often, so a stationary violation neither vanishes nor goes stale.</summary>
    public double RecheckSeconds { get; set; } = 5;

    /// <summary>Connected but no frame for this long is reported as a health error.</summary>
    public double StallSeconds { get; set; } = 10;

    /// <summary>FFmpeg open and read timeout.</summary>
    public double OpenTimeoutSeconds { get; set; } = 10;

    /// <summary>First reconnect delay; doubles on each failure up to <see cref="ReconnectMaxSeconds"/>.</summary>
    public double ReconnectMinSeconds { get; set; } = 1;

    public double ReconnectMaxSeconds { get; set; } = 30;

    /// <summary>How the stream and its recorder are reopened after a failure.</summary>
    public RetryPolicy Reconnect() => RetryPolicy.FromSettings(TimeSpan.FromSeconds(ReconnectMinSeconds), TimeSpan.FromSeconds(ReconnectMaxSeconds));

    public List<ZoneOptions> Zones { get; set; } = [];

    /// <summary>Violation rules; when empty the role's defaults apply (see README.md).</summary>
    public List<RuleOptions> Rules { get; set; } = [];
}

public static class CameraRoles
{
    public const string Kitchen = "kitchen";
    public const string Car = "car";

    public static IReadOnlyList<string> All { get; } = [Kitchen, Car];
}
