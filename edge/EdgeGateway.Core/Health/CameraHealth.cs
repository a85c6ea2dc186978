namespace EdgeGateway.Core.Health;

/// <summary>What a technician needs to know about one camera, at a glance.</summary>
public sealed record CameraHealth(
    string CameraId,
    string Role,
    bool Connected,
    long FramesIn,
    long FramesAnalysed,
    long FramesDropped,
    double? LastFrameAgeSeconds,
    int Reconnects,
    string? LastError,
    double AnalysisFps,
    double? LastAnalysedAgeSeconds = null);
