namespace EdgeGateway.Contracts;

/// <summary>What a device publishes under <c>{prefix}/{site}/{device}/...</c>.</summary>
public enum EdgeChannel
{
    Other,
    Alert,
    State,
    Status,
    Telemetry,
    Snapshot,

    /// <summary>One piece of an event clip: <c>clip/{alertId}</c> (contract v2).</summary>
    Clip,

    /// <summary>The signed evidence manifest of an alert: <c>evidence/{alertId}</c> (contract v2).</summary>
    Evidence,

    /// <summary>The relay's desired configuration for the device, <c>config/desired</c>: the relay publishes it, the device only reads it.</summary>
    ConfigDesired,

    /// <summary>What the device did with its desired configuration, <c>config/reported</c>.</summary>
    ConfigReported,

    /// <summary>The device's health report (<see cref="Telemetry.HealthReport"/>, CBOR), <c>health</c>.</summary>
    Health,
}

/// <summary>
/// A device topic, <c>{prefix}/{site}/{device}/{channel}[/{rest}]</c>: the one formatter the box publishes with and
/// the one parser the relay reads with. The prefix is the box's <c>Uplink:TopicPrefix</c> and the relay's
/// <c>Relay:Mqtt:TopicPrefix</c> (both <see cref="DefaultPrefix"/> unless set).
/// </summary>
public readonly record struct EdgeTopic(string Site, string Device, EdgeChannel Channel, string Rest)
{
    public const string DefaultPrefix = "edge";

    /// <summary>One topic level: 1-64 printable characters without '/', '+', '#' or spaces.</summary>
    public static bool IsValidPrefix(string? prefix) =>
        prefix is { Length: > 0 and <= 64 } && !prefix.Any(c => c is <= ' ' or '/' or '+' or '#' or '\u007f');

    public static string DescribePrefix(string key, string? value) =>
        $"{key} '{value}' is invalid; expected one topic level of 1-64 characters without '/', '+', '#' or spaces";

    public static bool TryParse(string prefix, string? topic, out EdgeTopic parsed)
    {
        parsed = default;
        if (topic is null)
        {
            return false;
        }

        var parts = topic.Split('/', 4);
        if (parts.Length < 4 || parts[0] != prefix || !DeviceNames.IsValid(parts[1]) || !DeviceNames.IsValid(parts[2]))
        {
            return false;
        }

        var tail = parts[3];
        var slash = tail.IndexOf('/', StringComparison.Ordinal);
        var head = slash < 0 ? tail : tail[..slash];
        var rest = slash < 0 ? string.Empty : tail[(slash + 1)..];
        var channel = head switch
        {
            "alert" when rest.Length == 0 => EdgeChannel.Alert,
            "state" when rest.Length == 0 => EdgeChannel.State,
            "status" => EdgeChannel.Status,
            "telemetry" => EdgeChannel.Telemetry,
            "snapshot" when rest.Length > 0 => EdgeChannel.Snapshot,
            "clip" when rest.Length > 0 => EdgeChannel.Clip,
            "evidence" when rest.Length > 0 => EdgeChannel.Evidence,
            "config" when rest == "desired" => EdgeChannel.ConfigDesired,
            "config" when rest == "reported" => EdgeChannel.ConfigReported,
            "health" when rest.Length == 0 => EdgeChannel.Health,
            _ => EdgeChannel.Other,
        };
        parsed = new EdgeTopic(parts[1], parts[2], channel, rest);
        return true;
    }

    /// <summary>The prefix a device owns: <c>{prefix}/{site}/{device}/</c>.</summary>
    public static string PrefixOf(string prefix, string site, string device) => $"{prefix}/{site}/{device}/";

    /// <summary>A device's topic on a channel; a snapshot names its alert.</summary>
    public static string Format(string prefix, string site, string device, EdgeChannel channel, Guid? alertId = null) => channel switch
    {
        EdgeChannel.Alert => PrefixOf(prefix, site, device) + "alert",
        EdgeChannel.State => PrefixOf(prefix, site, device) + "state",
        EdgeChannel.Status => PrefixOf(prefix, site, device) + "status",
        EdgeChannel.Telemetry => PrefixOf(prefix, site, device) + "telemetry",
        EdgeChannel.Snapshot => PrefixOf(prefix, site, device) + SnapshotReference(alertId ?? Guid.Empty),
        EdgeChannel.Clip => PrefixOf(prefix, site, device) + ClipReference(alertId ?? Guid.Empty),
        EdgeChannel.Evidence => PrefixOf(prefix, site, device) + $"evidence/{alertId ?? Guid.Empty:D}",
        EdgeChannel.ConfigDesired => PrefixOf(prefix, site, device) + "config/desired",
        EdgeChannel.ConfigReported => PrefixOf(prefix, site, device) + "config/reported",
        EdgeChannel.Health => PrefixOf(prefix, site, device) + "health",
        _ => throw new ArgumentOutOfRangeException(nameof(channel), channel, "no topic for this channel"),
    };

    /// <summary>The subscription filter for one channel of every device, e.g. <c>{prefix}/+/+/alert</c> or <c>{prefix}/+/+/clip/+</c>.</summary>
    public static string FilterFor(string prefix, EdgeChannel channel) => channel switch
    {
        EdgeChannel.Alert => $"{prefix}/+/+/alert",
        EdgeChannel.State => $"{prefix}/+/+/state",
        EdgeChannel.Status => $"{prefix}/+/+/status",
        EdgeChannel.Telemetry => $"{prefix}/+/+/telemetry",
        EdgeChannel.Snapshot => $"{prefix}/+/+/snapshot/+",
        EdgeChannel.Clip => $"{prefix}/+/+/clip/+",
        EdgeChannel.Evidence => $"{prefix}/+/+/evidence/+",
        EdgeChannel.ConfigReported => $"{prefix}/+/+/config/reported",
        EdgeChannel.Health => $"{prefix}/+/+/health",
        _ => throw new ArgumentOutOfRangeException(nameof(channel), channel, "no filter for this channel"),
    };

    /// <summary>The snapshot's topic suffix under the device, e.g. <c>snapshot/0190…</c>; an alert's <c>snapshot</c> field.</summary>
    public static string SnapshotReference(Guid alertId) => $"snapshot/{alertId:D}";

    /// <summary>The clip's topic suffix under the device, e.g. <c>clip/0190…</c>; an alert's <c>clip</c> field.</summary>
    public static string ClipReference(Guid alertId) => $"clip/{alertId:D}";
}

/// <summary>
/// Site and device ids, on the box and at the relay: 1 to 64 of letters, digits, '-', '_' and '.', and never "." or
/// "..", so they are safe in topics, client ids and paths.
/// </summary>
public static class DeviceNames
{
    public const int MaxLength = 64;

    public static bool IsValid(string? name) =>
        name is { Length: > 0 and <= MaxLength }
        && name != "." && name != ".."
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    /// <summary>What a name must be, in the words every program uses after the key and the value.</summary>
    public const string Expected = "expected 1 to 64 letters, digits, '-', '_' or '.' (no spaces, '/', '+' or '#')";

    public static string Describe(string key, string? value) =>
        $"{key} '{value}' is invalid; expected 1-{MaxLength} letters, digits, '-', '_' or '.'";
}
