using System.Globalization;

namespace EdgeGateway.Host.Diagnostics;

/// <summary>CPU, memory and temperature of the box, read from /proc and /sys when present.</summary>
internal sealed class HostReadings(string procRoot = "/proc", string sysRoot = "/sys")
{
    private (long Busy, long Total)? _lastCpu;

    /// <summary>Busy share of all cores since the previous call, 0..100; null on the first call or off Linux.</summary>
    public double? CpuPercent()
    {
        var now = ReadCpuTimes();
        if (now is null)
        {
            return null;
        }

        var last = _lastCpu;
        _lastCpu = now;
        if (last is null || now.Value.Total <= last.Value.Total)
        {
            return null;
        }

        return Math.Round(100.0 * (now.Value.Busy - last.Value.Busy) / (now.Value.Total - last.Value.Total), 1);
    }

    /// <summary>Used and total memory in MiB from /proc/meminfo, or null when absent.</summary>
    public (double UsedMb, double TotalMb)? Memory()
    {
        var path = Path.Combine(procRoot, "meminfo");
        if (!File.Exists(path))
        {
            return null;
        }

        long? total = null, available = null;
        foreach (var line in File.ReadLines(path))
        {
            if (line.StartsWith("MemTotal:", StringComparison.Ordinal))
            {
                total = KiB(line);
            }
            else if (line.StartsWith("MemAvailable:", StringComparison.Ordinal))
            {
                available = KiB(line);
            }
        }

        return total is { } t && available is { } a ? (Math.Round((t - a) / 1024.0, 1), Math.Round(t / 1024.0, 1)) : null;
    }

    /// <summary>The hottest thermal zone in °C, or null when the box has none.</summary>
    public double? TemperatureC()
    {
        var thermal = Path.Combine(sysRoot, "class", "thermal");
        if (!Directory.Exists(thermal))
        {
            return null;
        }

        double? hottest = null;
        foreach (var zone in Directory.EnumerateDirectories(thermal, "thermal_zone*"))
        {
            try
            {
                var text = File.ReadAllText(Path.Combine(zone, "temp")).Trim();
                if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var milli))
                {
                    hottest = Math.Max(hottest ?? double.MinValue, milli / 1000.0);
                }
            }
            catch (IOException)
            {
                // Some zones refuse reads (e.g. a sleeping sensor); skip them.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return hottest is { } h ? Math.Round(h, 1) : null;
    }

    private (long Busy, long Total)? ReadCpuTimes()
    {
        var path = Path.Combine(procRoot, "stat");
        if (!File.Exists(path))
        {
            return null;
        }

        using var reader = new StreamReader(path);
        var first = reader.ReadLine();
        if (first is null || !first.StartsWith("cpu ", StringComparison.Ordinal))
        {
            return null;
        }

        var fields = first.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(f => long.TryParse(f, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : 0)
            .ToArray();
        if (fields.Length < 4)
        {
            return null;
        }

        // user nice system idle iowait irq softirq steal: idle and iowait are not busy.
        var total = fields.Take(8).Sum();
        var idle = fields[3] + (fields.Length > 4 ? fields[4] : 0);
        return (total - idle, total);
    }

    private static long? KiB(string line)
    {
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length >= 2 && long.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;
    }
}
