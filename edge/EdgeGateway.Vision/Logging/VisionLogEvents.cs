namespace EdgeGateway.Vision.Logging;

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

    /// <summary>VisionLog.RuleGone.</summary>
    public const int CameraRuleGone = 3009;

    /// <summary>VisionLog.Reconfigured.</summary>
    public const int CameraReconfigured = 3010;

    /// <summary>VisionLog.ReconfigureFailed.</summary>
    public const int CameraReconfigureFailed = 3011;

    /// <summary>RecordingLog.RecorderStarted.</summary>
    public const int RecorderStarted = 1520;

    /// <summary>RecordingLog.RecorderStopped.</summary>
    public const int RecorderStopped = 1521;

    /// <summary>RecordingLog.RecorderFailed.</summary>
    public const int RecorderFailed = 1522;

    /// <summary>RecordingLog.ClipWritten.</summary>
    public const int ClipWritten = 1523;

    /// <summary>RecordingLog.ClipEmpty.</summary>
    public const int ClipEmpty = 1524;

    /// <summary>RecordingLog.NotCopyable.</summary>
    public const int RecorderNotCopyable = 1525;

    /// <summary>RecordingLog.RecorderRestarted.</summary>
    public const int RecorderRestarted = 1526;

    /// <summary>RecordingLog.RecorderRemoved.</summary>
    public const int RecorderRemoved = 1527;

    /// <summary>RecordingLog.RecorderAdded.</summary>
    public const int RecorderAdded = 1528;
}
