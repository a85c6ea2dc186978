using CloudRelay.Database;
using ContractHealthReport = EdgeGateway.Contracts.Telemetry.HealthReport;

namespace CloudRelay.Health;

/// <summary>A device's state in one area, and overall; ordered so that the larger is the worse.</summary>
public enum HealthState
{
    /// <summary>Nothing to judge (no thermal zone, no elevator).</summary>
    None,
    Ok,
    Warn,
    Bad,
    /// <summary>Connected, but its latest report is older than three intervals.</summary>
    Stale,
}

/// <summary>One device in the health view: its latest report (null when it never sent one) judged area by area.</summary>
public sealed record DeviceHealthRow(string Site, string Device, bool Online, ContractHealthReport? Report, long? ReceivedMs, bool Stale,
    IReadOnlyDictionary<string, HealthState> Areas)
{
    public HealthState Overall => Stale ? HealthState.Stale : Report is null ? HealthState.None : Areas.Values.Append(HealthState.Ok).Max();
}

/// <summary>
/// How the console judges a report: the one owner of the thresholds. A camera whose frames stop or whose analysis
/// runs at 0 fps is bad; an uplink that is down is bad; a disk under 5 % free is bad, under 15 % a warning; 85 °C is
/// bad, 75 °C a warning; an elevator box whose sensors send nothing is bad.
/// </summary>
public static class HealthView
{
    public const string Cameras = "cameras";
    public const string Uplink = "uplink";
    public const string Disk = "disk";
    public const string Temperature = "temperature";
    public const string Elevator = "elevator";

    public static readonly IReadOnlyList<string> AreaNames = [Cameras, Uplink, Disk, Temperature, Elevator];

    /// <summary>The rows of devices that reported, worst first, then by site and device; devices that never reported last.</summary>
    public static IReadOnlyList<DeviceHealthRow> Rows(IReadOnlyList<HealthDeviceRow> rows, TimeSpan interval, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var judged = new List<DeviceHealthRow>(rows.Count);
        foreach (var row in rows)
        {
            ContractHealthReport? report = null;
            if (row.Latest is { } latest && ContractHealthReport.TryDecode(latest.Report, out var decoded, out _))
            {
                report = decoded;
            }

            var stale = report is not null && row.Online && nowMs - row.Latest!.ReceivedMs > 3 * interval.TotalMilliseconds;
            judged.Add(new DeviceHealthRow(row.Site, row.Device, row.Online, report, row.Latest?.ReceivedMs, stale,
                report is null ? new Dictionary<string, HealthState>() : Judge(report)));
        }

        return [.. judged.OrderBy(r => r.Report is null).ThenByDescending(r => r.Overall).ThenBy(r => r.Site, StringComparer.Ordinal)
            .ThenBy(r => r.Device, StringComparer.Ordinal)];
    }

    public static Dictionary<string, HealthState> Judge(ContractHealthReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return new Dictionary<string, HealthState>(StringComparer.Ordinal)
        {
            [Cameras] = report.Cameras.Count == 0 ? HealthState.None
                : report.Cameras.Any(c => !c.Up || (c.TargetFps > 0 && c.AnalysedFps <= 0)) ? HealthState.Bad
                : report.Cameras.Any(c => c.AnalysedFps < 0.8 * c.TargetFps) ? HealthState.Warn
                : HealthState.Ok,
            [Uplink] = !report.UplinkConnected ? HealthState.Bad : report.OutboxOldestSeconds > 300 ? HealthState.Warn : HealthState.Ok,
            [Disk] = report.DiskTotalBytes <= 0 ? HealthState.None
                : report.DiskFreeBytes < 0.05 * report.DiskTotalBytes ? HealthState.Bad
                : report.DiskFreeBytes < 0.15 * report.DiskTotalBytes ? HealthState.Warn
                : HealthState.Ok,
            [Temperature] = report.TemperatureC switch
            {
                null => HealthState.None,
                >= 85 => HealthState.Bad,
                >= 75 => HealthState.Warn,
                _ => HealthState.Ok,
            },
            [Elevator] = report.ElevatorSamplesPerSecond switch
            {
                null => HealthState.None,
                <= 0 => HealthState.Bad,
                _ => HealthState.Ok,
            },
        };
    }

    /// <summary>The word a state is counted, filtered and styled by (also for devices that never reported).</summary>
    public static string Word(DeviceHealthRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return row.Report is null ? "none" : Word(row.Overall);
    }

    public static string Word(HealthState state) => state switch
    {
        HealthState.Ok => "ok",
        HealthState.Warn => "warn",
        HealthState.Bad => "bad",
        HealthState.Stale => "stale",
        _ => "none",
    };

    public static readonly IReadOnlyList<string> Words = ["bad", "stale", "warn", "ok", "none"];
}
