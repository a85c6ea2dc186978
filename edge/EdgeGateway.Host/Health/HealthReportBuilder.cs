using EdgeGateway.Contracts.Telemetry;
using EdgeGateway.Core.Outbox;

namespace EdgeGateway.Host.Health;

/// <summary>
/// Turns two readings (this one and the one of the previous report) into a <see cref="HealthReport"/>: counters
/// since start as read, rates and mean inference over the time between the two (since the start for the first).
/// </summary>
internal static class HealthReportBuilder
{
    public static HealthReport Build(HealthReadings now, HealthReadings? previous)
    {
        ArgumentNullException.ThrowIfNull(now);
        // The first report counts from the start.
        var since = previous is null ? now.Uptime.TotalSeconds : (now.Now - previous.Now).TotalSeconds;
        return new HealthReport
        {
            TimeMs = now.Now.ToUnixTimeMilliseconds(),
            UptimeSeconds = (long)now.Uptime.TotalSeconds,
            Version = now.Version,
            ConfigVersion = now.ConfigVersion,
            Cameras = [.. now.Cameras.Select(c => Camera(c, previous?.Cameras.FirstOrDefault(p => p.Health.CameraId == c.Health.CameraId), since))],
            OutboxDepth = now.Outbox is { } stats
                ? stats.Depth.ToDictionary(p => OutboxForwarder.ClassName(p.Key), p => p.Value, StringComparer.Ordinal)
                : new Dictionary<string, long>(),
            OutboxOldestSeconds = Math.Round(now.Outbox?.OldestAgeSeconds ?? 0, 1),
            OutboxBytes = now.Outbox?.QueuedBytes ?? 0,
            DiskFreeBytes = now.DiskFreeBytes,
            DiskTotalBytes = now.DiskTotalBytes,
            CpuPercent = now.CpuPercent ?? 0,
            TemperatureC = now.TemperatureC,
            MemoryBytes = now.MemoryBytes ?? 0,
            UplinkConnected = now.UplinkConnected,
            UplinkReconnects = now.Reconnects,
            UplinkRoundTripMs = now.RoundTrip is { } rtt ? Math.Round(rtt.TotalMilliseconds, 1) : null,
            ElevatorMode = now.ElevatorMode,
            ElevatorSamplesPerSecond = now.ElevatorSamples is { } samples && since > 0
                ? Math.Round((samples - (previous?.ElevatorSamples ?? 0)) / since, 2)
                : null,
            Models = now.Models,
        };
    }

    private static CameraHealthReport Camera(CameraReading now, CameraReading? previous, double seconds)
    {
        var health = now.Health;
        // A camera not in the previous report (a camera added) counts from zero.
        double Rate(long current, long? before) =>
            seconds > 0 && current >= (before ?? 0) ? Math.Round((current - (before ?? 0)) / seconds, 2) : 0;

        var runs = health.DetectorRuns - (previous?.Health.DetectorRuns ?? 0);
        var spent = health.DetectorSeconds - (previous?.Health.DetectorSeconds ?? 0);
        return new CameraHealthReport(
            health.CameraId,
            now.Up,
            Rate(health.FramesIn, previous?.Health.FramesIn),
            Rate(health.FramesAnalysed, previous?.Health.FramesAnalysed),
            now.TargetFps,
            health.FramesIn,
            health.FramesAnalysed,
            health.FramesDropped,
            Math.Round((health.LagSeconds ?? 0) * 1000, 1),
            runs > 0 && spent >= 0 ? Math.Round(spent * 1000 / runs, 1) : 0,
            now.Up ? null : health.LastError ?? "no frames");
    }
}
