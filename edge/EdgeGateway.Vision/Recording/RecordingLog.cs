using Microsoft.Extensions.Logging;
using EdgeGateway.Vision.Logging;

namespace EdgeGateway.Vision.Recording;

internal static partial class RecordingLog
{
    [LoggerMessage(EventId = VisionLogEvents.RecorderStarted, Level = LogLevel.Information, Message = "Camera {Camera} keeps a {PreRoll:F0} s pre-roll (stream copy, {Segment:F1} s segments)")]
    public static partial void RecorderStarted(ILogger logger, string camera, double preRoll, double segment);

    [LoggerMessage(EventId = VisionLogEvents.RecorderStopped, Level = LogLevel.Warning, Message = "Camera {Camera} recorder stopped (ffmpeg exit code {Code}): {Reason}; starting again")]
    public static partial void RecorderStopped(ILogger logger, string camera, int code, string reason);

    [LoggerMessage(EventId = VisionLogEvents.RecorderFailed, Level = LogLevel.Warning, Message = "Camera {Camera} recorder failed: {Error}")]
    public static partial void RecorderFailed(ILogger logger, string camera, string error);

    [LoggerMessage(EventId = VisionLogEvents.ClipWritten, Level = LogLevel.Information, Message = "Camera {Camera} clip of alert {AlertId} written: {Seconds:F1} s from {Segments} segments")]
    public static partial void ClipWritten(ILogger logger, string camera, Guid alertId, double seconds, int segments);

    [LoggerMessage(EventId = VisionLogEvents.ClipEmpty, Level = LogLevel.Warning, Message = "Camera {Camera} has no recorded stream for alert {AlertId}; it gets no clip")]
    public static partial void ClipEmpty(ILogger logger, string camera, Guid alertId);

    [LoggerMessage(EventId = VisionLogEvents.RecorderNotCopyable, Level = LogLevel.Warning, Message = "Camera {Camera} is not recorded: a {Kind} source has no encoded stream to copy; set Cameras:N:Record false or use an RTSP Url")]
    public static partial void NotCopyable(ILogger logger, string camera, string kind);

    [LoggerMessage(EventId = VisionLogEvents.RecorderRestarted, Level = LogLevel.Information, Message = "Camera {Camera} recorder restarted by a configuration change ({Changes}); clips under way finish from the old recording")]
    public static partial void RecorderRestarted(ILogger logger, string camera, string changes);

    [LoggerMessage(EventId = VisionLogEvents.RecorderRemoved, Level = LogLevel.Information, Message = "Camera {Camera} recorder stopped by a configuration change (camera removed or not recorded)")]
    public static partial void RecorderRemoved(ILogger logger, string camera);

    [LoggerMessage(EventId = VisionLogEvents.RecorderAdded, Level = LogLevel.Information, Message = "Camera {Camera} recorder started by a configuration change: a {PreRoll:F0} s pre-roll (stream copy, {Segment:F1} s segments)")]
    public static partial void RecorderAdded(ILogger logger, string camera, double preRoll, double segment);
}
