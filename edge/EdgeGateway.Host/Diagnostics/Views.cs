using EdgeGateway.Core.Health;

namespace EdgeGateway.Host.Diagnostics;

/// <summary>What the overview shows; pushed over the live stream as event <c>status</c>.</summary>
public sealed record StatusView(
    string DeviceId,
    string SiteId,
    string Version,
    DateTimeOffset StartedAt,
    double UptimeSeconds,
    MetricSample Now,
    UplinkView? Uplink,
    IReadOnlyList<CameraHealth>? Cameras,
    ElevatorSnapshot? Elevator)
{
    /// <summary>The box's time zone (IANA id): the page shows every time in it, with its name.</summary>
    public string TimeZone { get; init; } = "UTC";

    /// <summary>Seconds between status pushes; the page marks data stale after a few missed ones.</summary>
    public double PushSeconds { get; init; } = 1;

    /// <summary>The fleet configuration in force and the box's last word on one.</summary>
    public FleetView? Fleet { get; init; }
}

/// <summary>
/// The fleet configuration as the page shows it: the version in force (null: the box's own file), the last status
/// reported and the keys the document in force sets (never their values, which may hold camera passwords).
/// </summary>
public sealed record FleetView(long? Version, string? Status, long? StatusVersion, IReadOnlyList<string> Keys, IReadOnlyList<string> Lines);

/// <summary>One point of the one-hour charts.</summary>
public sealed record MetricSample(
    DateTimeOffset Time,
    double? CpuPercent,
    double? MemoryUsedMb,
    double? MemoryTotalMb,
    double ProcessMemoryMb,
    double? TemperatureC,
    long? OutboxDepth,
    bool? UplinkConnected);

/// <summary>The uplink as the page shows it; the broker address carries no credentials.</summary>
public sealed record UplinkView(
    bool Connected,
    string Broker,
    IReadOnlyDictionary<string, long> Depth,
    double? OldestAgeSeconds,
    long Evictions,
    long Sent,
    string? LastError)
{
    /// <summary>Conditions the page shows as badges, e.g. <c>storage_full</c>.</summary>
    public IReadOnlyList<string> Conditions { get; init; } = [];

    public int DeadLetters { get; init; }

    public static UplinkView From(UplinkHealth health)
    {
        ArgumentNullException.ThrowIfNull(health);
        return new UplinkView(
            health.Connected,
            WithoutUserInfo(health.Broker),
            health.Depth.ToDictionary(kv => kv.Key.ToString().ToLowerInvariant(), kv => kv.Value, StringComparer.Ordinal),
            health.OldestAgeSeconds,
            health.Evictions,
            health.Sent,
            health.LastError)
        {
            Conditions = health.StorageFull ? [AlertKinds.StorageFull] : [],
            DeadLetters = health.DeadLetters,
        };
    }

    private static string WithoutUserInfo(string broker) =>
        Uri.TryCreate(broker, UriKind.Absolute, out var uri) && uri.UserInfo.Length > 0
            ? new UriBuilder(uri) { UserName = string.Empty, Password = string.Empty }.Uri.ToString()
            : broker;
}

/// <summary>One recent alert, as listed on the alerts view.</summary>
public sealed record AlertView(
    Guid Id,
    long Sequence,
    string Kind,
    string Severity,
    string State,
    DateTimeOffset Time,
    IReadOnlyDictionary<string, string> Attributes,
    bool HasSnapshot,
    string? Clip = null);


public sealed record LoginRequest(string? Password);

public sealed record MaintenanceRequest(string? Technician);

public sealed record TestAlertView(Guid Id, long Sequence, string Kind);
