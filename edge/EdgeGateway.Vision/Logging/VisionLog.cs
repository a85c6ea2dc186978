using Microsoft.Extensions.Logging;

namespace EdgeGateway.Vision.Logging;

/// <summary>Source-generated log messages of the vision pipeline.</summary>
internal static partial class VisionLog
{
    [LoggerMessage(EventId = VisionLogEvents.CameraOpened, Level = LogLevel.Information, Message = "Camera {CameraId}: opened {Url} ({Width}x{Height} at {Fps} fps)")]
    public static partial void Opened(ILogger logger, string cameraId, string url, int width, int height, double fps);

    [LoggerMessage(EventId = VisionLogEvents.CameraReconnecting, Level = LogLevel.Warning, Message = "Camera {CameraId}: {Error}; reconnect {Attempt} in {DelaySeconds} s")]
    public static partial void Reconnecting(ILogger logger, string cameraId, string error, int attempt, double delaySeconds);

    [LoggerMessage(EventId = VisionLogEvents.CameraFileEnded, Level = LogLevel.Information, Message = "Camera {CameraId}: file ended after {Frames} frames{Problem}")]
    public static partial void FileEnded(ILogger logger, string cameraId, long frames, string problem);

    [LoggerMessage(EventId = VisionLogEvents.CameraViolation, Level = LogLevel.Information, Message = "Camera {CameraId}: {Kind} {State} ({Label} {Score:F2})")]
    public static partial void Violation(ILogger logger, string cameraId, string kind, string state, string label, float score);

    [LoggerMessage(EventId = VisionLogEvents.CameraAlertFailed, Level = LogLevel.Error, Message = "Camera {CameraId}: could not hand the {Kind} alert to the outbox")]
    public static partial void AlertFailed(ILogger logger, Exception exception, string cameraId, string kind);

    [LoggerMessage(EventId = VisionLogEvents.CameraAnalysisFailed, Level = LogLevel.Error, Message = "Camera {CameraId}: analysis failed on a frame")]
    public static partial void AnalysisFailed(ILogger logger, Exception exception, string cameraId);

    [LoggerMessage(EventId = VisionLogEvents.CameraModelReady, Level = LogLevel.Information, Message = "Model {Model} ready ({Layout}, {Threads} threads, {Labels} labels) for cameras {Cameras}")]
    public static partial void ModelReady(ILogger logger, string model, string layout, int threads, int labels, string cameras);

    [LoggerMessage(EventId = VisionLogEvents.CameraStalled, Level = LogLevel.Warning, Message = "Camera {CameraId}: {Error}")]
    public static partial void Stalled(ILogger logger, string cameraId, string error);

    [LoggerMessage(EventId = VisionLogEvents.CameraRuleGone, Level = LogLevel.Information, Message = "Camera {CameraId}: {Kind} clears its {Count} raised violation(s) once: {Reason} by a configuration change")]
    public static partial void RuleGone(ILogger logger, string cameraId, string kind, int count, string reason);

    [LoggerMessage(EventId = VisionLogEvents.CameraReconfigured, Level = LogLevel.Information, Message = "Camera {CameraId}: {Change} by a configuration change{Detail}")]
    public static partial void Reconfigured(ILogger logger, string cameraId, string change, string detail);

    [LoggerMessage(EventId = VisionLogEvents.CameraReconfigureFailed, Level = LogLevel.Error, Message = "Camera {CameraId}: new settings not applied, the camera keeps its previous ones: {Error}")]
    public static partial void ReconfigureFailed(ILogger logger, string cameraId, string error);
}
