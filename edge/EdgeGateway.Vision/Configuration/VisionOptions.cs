using EdgeGateway.Contracts.Evidence;
namespace EdgeGateway.Vision.Configuration;

/// <summary>The vision configuration: the top-level <c>Cameras</c> list and the <c>Vision</c> section.</summary>
public sealed class VisionOptions
{
    public List<CameraOptions> Cameras { get; set; } = [];

    public VisionSettings Vision { get; set; } = new();
}

/// <summary>Pipeline-wide settings (<c>Vision:*</c>).</summary>
public sealed class VisionSettings
{
    /// <summary>IANA time zone for rules with <c>ActiveHours</c>, e.g. <c>Asia/Shanghai</c>; default: the box's local zone.</summary>
    public string? TimeZone { get; set; }

    /// <summary>Alert snapshots are scaled down to at most this width.</summary>
    public int SnapshotMaxWidth { get; set; } = 640;

    /// <summary>Alert snapshots are re-encoded at lower quality until they fit this size.</summary>
    public int SnapshotMaxBytes { get; set; } = SnapshotLimits.MaxBytes;

    public TimeZoneInfo ResolveTimeZone() =>
        TimeZone is { Length: > 0 } id ? TimeZoneInfo.FindSystemTimeZoneById(id) : TimeZoneInfo.Local;
}
