using EdgeGateway.Core.Alerts;
using EdgeGateway.Core.Vision;

namespace EdgeGateway.Vision.Rules;

/// <summary>A violation changed state: raised once, or cleared once. <see cref="Detection"/> is the latest sighting.</summary>
public sealed record ViolationEvent(
    string CameraId,
    string Kind,
    AlertSeverity Severity,
    AlertState State,
    Detection Detection,
    int ObjectId,
    string? Zone);
