using EdgeGateway.Host.Setup.Doctor;

namespace EdgeGateway.Host.Diagnostics.Commissioning;

/// <summary>Everything a commissioning record holds, gathered by the page or by <c>edgegw report</c>.</summary>
internal sealed record ReportFacts(
    string DeviceId,
    string SiteId,
    string Version,
    string? Board,
    string Technician,
    DateTimeOffset At,
    TimeZoneInfo TimeZone,
    IReadOnlyList<ReportCamera> Cameras,
    DoctorReport Doctor,
    SignalCheck? SignalCheck,
    ReportUplink? Uplink);

/// <summary>One camera: its current analysed frame (detections and zones drawn by the pipeline) and its zones' names.</summary>
internal sealed record ReportCamera(string Id, string Role, bool Connected, string Detail, byte[]? FrameJpeg, IReadOnlyList<string> Zones)
{
    /// <summary>What the detector found in that frame.</summary>
    public IReadOnlyList<Core.Vision.Detection> Detections { get; init; } = [];
}

/// <summary>The uplink at report time; <see cref="Connected"/> is null when only the outbox files were read.</summary>
internal sealed record ReportUplink(bool? Connected, string Broker, long Backlog, double? OldestAgeSeconds, string? Detail);
