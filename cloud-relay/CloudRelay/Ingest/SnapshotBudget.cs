using System.Collections.Concurrent;

namespace CloudRelay.Ingest;

/// <summary>
/// Bytes of snapshots kept per device (<c>Relay:Limits:MaxSnapshotBytesPerDevice</c>). A device's use is read
/// from its folder the first time it sends one, then kept up to date as snapshots are written.
/// </summary>
internal sealed class SnapshotBudget(string dataDir, long maxBytesPerDevice)
{
    private readonly ConcurrentDictionary<string, long> _used = new(StringComparer.Ordinal);

    public bool TryReserve(string site, string device, string path, long bytes)
    {
        var key = $"{site}/{device}";
        var replaced = File.Exists(path) ? new FileInfo(path).Length : 0;
        var fits = true;
        _used.AddOrUpdate(key,
            _ => Measured(site, device) is var used && used - replaced + bytes <= maxBytesPerDevice ? used - replaced + bytes : Refuse(used, out fits),
            (_, used) => used - replaced + bytes <= maxBytesPerDevice ? used - replaced + bytes : Refuse(used, out fits));
        return fits;
    }

    /// <summary>Gives back a reservation whose file was not kept.</summary>
    public void Release(string site, string device, long bytes) =>
        _used.AddOrUpdate($"{site}/{device}", 0, (_, used) => Math.Max(0, used - bytes));

    private static long Refuse(long used, out bool fits)
    {
        fits = false;
        return used;
    }

    private long Measured(string site, string device)
    {
        var folder = Path.Combine(dataDir, "snapshots", site, device);
        return Directory.Exists(folder) ? new DirectoryInfo(folder).EnumerateFiles("*.jpg").Sum(f => f.Length) : 0;
    }
}
