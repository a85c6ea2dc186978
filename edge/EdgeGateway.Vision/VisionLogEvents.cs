namespace EdgeGateway.Vision;

/// <summary>
/// Every log event id of this assembly, in one registry: each <c>[LoggerMessage]</c> takes its id from here, no two
/// share one, and tests name them. Ranges per component keep ids unique across the program's assemblies.
/// </summary>
public static class VisionLogEvents
{
    /// <summary>VisionLog.Opened.</summary>
    public const int CameraOpened = 3001;

    /// <summary>VisionLog.Reconnecting.</summary>
    public const int CameraReconnecting = 3002;

    /// <summary>VisionLog.FileEnded.</summary>
    public const int CameraFileEnded = 3003;

    /// <summary>VisionLog.Violation.</summary>
    public const int CameraViolation = 3004;

    /// <summary>VisionLog.AlertFailed.</summary>
    public const int CameraAlertFailed = 3005;

    /// <summary>VisionLog.AnalysisFailed.</summary>
    public const int CameraAnalysisFailed = 3006;

    /// <summary>VisionLog.ModelReady.</summary>
    public const int CameraModelReady = 3007;

    /// <summary>VisionLog.Stalled.</summary>
    public const int CameraStalled = 3008;
}
