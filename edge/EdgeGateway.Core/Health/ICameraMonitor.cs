namespace EdgeGateway.Core.Health;

/// <summary>Read side of the vision pipeline, for the diagnostics page and doctor.</summary>
public interface ICameraMonitor
{
    IReadOnlyList<CameraHealth> GetHealth();

    /// <summary>The latest analysed frame as JPEG, with detections and zones drawn, or false if none yet.</summary>
    bool TryGetLatestAnnotatedJpeg(string cameraId, out ReadOnlyMemory<byte> jpeg);

    /// <summary>What the detector found in that latest frame (empty when nothing, or when the monitor does not say).</summary>
    IReadOnlyList<Vision.Detection> LatestDetections(string cameraId) => [];
}
