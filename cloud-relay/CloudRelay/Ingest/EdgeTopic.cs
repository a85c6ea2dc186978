namespace CloudRelay.Ingest;

/// <summary>What a device publishes under <c>edge/{site}/{device}/...</c>.</summary>
public enum EdgeChannel
{
    Other,
    Alert,
    State,
    Status,
    Telemetry,
    Snapshot,
}

/// <summary>A parsed device topic: <c>edge/{site}/{device}/{channel}[/{rest}]</c>.</summary>
public readonly record struct EdgeTopic(string Site, string Device, EdgeChannel Channel, string Rest)
{
    public const string Root = "edge";

    public static bool TryParse(string? topic, out EdgeTopic parsed)
    {
        parsed = default;
        if (topic is null)
        {
            return false;
        }

        var parts = topic.Split('/', 4);
        if (parts.Length < 4 || parts[0] != Root || !DeviceNames.IsValid(parts[1]) || !DeviceNames.IsValid(parts[2]))
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
            _ => EdgeChannel.Other,
        };
        parsed = new EdgeTopic(parts[1], parts[2], channel, rest);
        return true;
    }

    /// <summary>The prefix a device owns: <c>edge/{site}/{device}/</c>.</summary>
    public static string PrefixOf(string site, string device) => $"{Root}/{site}/{device}/";
}

/// <summary>Site and device ids: 1 to 64 of letters, digits, '-', '_' and '.', so they are safe in topics and paths.</summary>
public static class DeviceNames
{
    public const int MaxLength = 64;

    public static bool IsValid(string? name) =>
        name is { Length: > 0 and <= MaxLength }
        && name != "." && name != ".."
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    public static string Describe(string key, string? value) =>
        $"{key} '{value}' is invalid; expected 1-{MaxLength} letters, digits, '-', '_' or '.'";
}
