using System.Globalization;

namespace EdgeGateway.Host.Diagnostics.Commissioning;

/// <summary>The box's time zone (<c>Diagnostics:TimeZone</c>, else the system's) and times written in it with the zone named.</summary>
internal static class BoxTime
{
    /// <summary>The zone for an IANA id such as Asia/Shanghai; the system's zone when empty; null when unknown.</summary>
    public static TimeZoneInfo? Resolve(string? id)
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            return TimeZoneInfo.Local;
        }

        return TimeZoneInfo.TryFindSystemTimeZoneById(id.Trim(), out var zone) ? zone : null;
    }

    /// <summary>IANA name the browser understands: <c>Asia/Shanghai</c>; UTC for the system's nameless zone.</summary>
    public static string IanaName(TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        if (zone.HasIanaId)
        {
            return zone.Id;
        }

        return TimeZoneInfo.TryConvertWindowsIdToIanaId(zone.Id, out var iana) ? iana : "UTC";
    }

    /// <summary><c>2026-12-03 18:30:05 Asia/Shanghai (UTC+08:00)</c>.</summary>
    public static string Format(DateTimeOffset at, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTime(at, zone);
        var offset = local.Offset;
        var sign = offset < TimeSpan.Zero ? "-" : "+";
        return string.Create(CultureInfo.InvariantCulture, $"{local:yyyy-MM-dd HH:mm:ss} {IanaName(zone)} (UTC{sign}{offset.Duration():hh\\:mm})");
    }
}
