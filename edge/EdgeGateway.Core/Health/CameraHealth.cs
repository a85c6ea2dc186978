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
    double? LastAnalysedAgeSeconds = null)
{
    /// <summary>Detector runs since start (motion gating skips still frames).</summary>
    public long DetectorRuns { get; init; }

    /// <summary>Seconds the detector spent on those runs, so a reader can take the mean over any interval.</summary>
    public double DetectorSeconds { get; init; }

    /// <summary>How old the last analysed frame was when its analysis ended, or null before the first.</summary>
    public double? LagSeconds { get; init; }
}
