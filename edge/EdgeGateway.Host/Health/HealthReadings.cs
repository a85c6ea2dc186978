using EdgeGateway.Contracts.Telemetry;
using EdgeGateway.Core.Health;
using EdgeGateway.Core.Outbox;

namespace EdgeGateway.Host.Health;

/// <summary>
/// The box's numbers at one moment, read from the parts that own them (camera stats, the outbox, the link, the
/// host). The instruments and the health report both read these, so each number has one owner.
/// </summary>
internal sealed record HealthReadings
{
    public required DateTimeOffset Now { get; init; }

    public required TimeSpan Uptime { get; init; }

    public required string Version { get; init; }

    /// <summary>The fleet configuration's version in force, or null when the box runs its own file only.</summary>
    public long? ConfigVersion { get; init; }

    public IReadOnlyList<CameraReading> Cameras { get; init; } = [];

    /// <summary>The outbox, or null on a host without one.</summary>
    public OutboxStats? Outbox { get; init; }

    public long DiskFreeBytes { get; init; }

    public long DiskTotalBytes { get; init; }

    public double? CpuPercent { get; init; }

    public double? TemperatureC { get; init; }

    public long? MemoryBytes { get; init; }

    public bool UplinkConnected { get; init; }

    /// <summary>Connections made since start; reconnects are this less one.</summary>
    public int Connections { get; init; }

    public TimeSpan? RoundTrip { get; init; }

    /// <summary>The elevator's mode, or null on a box without an elevator.</summary>
    public string? ElevatorMode { get; init; }

    /// <summary>Elevator samples written since start, or null on a box without an elevator.</summary>
    public long? ElevatorSamples { get; init; }

    public IReadOnlyList<ModelHealthReport> Models { get; init; } = [];

    public long Reconnects => Math.Max(0, Connections - 1);
}

/// <summary>One camera's counters as its stats hold them, with the rate it should analyse at.</summary>
internal sealed record CameraReading(CameraHealth Health, double TargetFps)
{
    /// <summary>Frames arrive: the reader is connected and not stalled.</summary>
    public bool Up => Health.Connected && Health.LastError is null;
}

/// <summary>
/// What makes a report due at once: which cameras deliver frames, whether the disk is low (the outbox's
/// <c>storage_full</c>), and the link's connection count (a reconnect).
/// </summary>
internal sealed record HealthState(string CamerasUp, bool DiskLow, int Connections)
{
    /// <summary>What changed from <paramref name="before"/>, in a few words for the log.</summary>
    public string ChangeFrom(HealthState before)
    {
        ArgumentNullException.ThrowIfNull(before);
        var changes = new List<string>(3);
        if (!string.Equals(CamerasUp, before.CamerasUp, StringComparison.Ordinal))
        {
            changes.Add($"cameras up: [{CamerasUp}] (was [{before.CamerasUp}])");
        }

        if (DiskLow != before.DiskLow)
        {
            changes.Add(DiskLow ? "disk low" : "disk no longer low");
        }

        if (Connections != before.Connections)
        {
            changes.Add("uplink reconnected");
        }

        return string.Join(", ", changes);
    }
}

/// <summary>Reads <see cref="HealthReadings"/> from the parts that own them.</summary>
internal interface IHealthSource
{
    /// <summary>Every number of the report.</summary>
    HealthReadings Read();

    /// <summary>The few flags a report is sent at once for; cheap, read every second.</summary>
    HealthState State();

    /// <summary>Alarms in the outbox not yet confirmed by the relay: a health report waits for none to be left.</summary>
    long AlarmsWaiting();
}
