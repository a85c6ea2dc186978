using CloudRelay.Settings;
using CloudRelay.Database;
using Microsoft.Extensions.Options;

namespace CloudRelay.Evidence;

/// <summary>
/// The clip bytes at the relay, finished and unfinished, per device and in all, so each piece is budgeted before it
/// is written; the free space of the data disk against <c>Relay:Evidence:ReserveMB</c>; and the per-alert locks, a
/// fixed set of stripes, so a flood of alert ids grows no table. Finished bytes are taken again from the evidence
/// table at each retention sweep; unfinished ones from the <c>.part</c> files at start.
/// </summary>
public sealed class ClipLedger(ClipFiles clips, IEvidenceStore evidence, IOptions<RelayOptions> options, TimeProvider time) : IDisposable
{
    private const int Stripes = 64;
    private const long Megabyte = 1024 * 1024;

    private readonly SemaphoreSlim[] _locks = [.. Enumerable.Range(0, Stripes).Select(_ => new SemaphoreSlim(1, 1))];
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Site, string Device), long> _finished = [];
    private readonly Dictionary<(string Site, string Device), long> _unfinished = [];
    private readonly Dictionary<Guid, Part> _parts = [];
    private readonly SemaphoreSlim _loading = new(1, 1);
    private volatile bool _loaded;
    private long _finishedTotal;
    private long _unfinishedTotal;

    private RelayEvidenceOptions Settings => options.Value.Evidence;

    public long DeviceBudgetBytes => Settings.MaxMBPerDevice * Megabyte;

    public long RelayBudgetBytes => Settings.MaxMB * Megabyte;

    public long ReserveBytes => Settings.ReserveMB * Megabyte;

    /// <summary>The lock of an alert's clip; alerts share a stripe now and then, which only makes them wait.</summary>
    public SemaphoreSlim LockFor(Guid alertId) => _locks[(alertId.GetHashCode() & int.MaxValue) % Stripes];

    /// <summary>Free bytes on the data disk for an unprivileged writer.</summary>
    public long FreeBytes
    {
        get
        {
            var dataDir = Path.GetFullPath(options.Value.DataDir);
            return new DriveInfo(Directory.Exists(dataDir) ? dataDir : Path.GetPathRoot(dataDir)!).AvailableFreeSpace;
        }
    }

    /// <summary>The data disk is below its reserve: evidence is refused, alerts are still stored.</summary>
    public bool StorageFull => FreeBytes < ReserveBytes;

    /// <summary>
    /// Null when <paramref name="growth"/> more bytes of evidence leave the reserve whole; else the one line that says
    /// why <paramref name="what"/> (clips, snapshots) must wait. The disk is asked once.
    /// </summary>
    public string? ReserveRefusal(long growth, string what)
    {
        var free = FreeBytes;
        return growth > 0 && free - growth < ReserveBytes
            ? $"the relay's data disk has {free / Megabyte} MB free, below its {ReserveBytes / Megabyte} MB reserve for alerts (Relay:Evidence:ReserveMB); {what} wait"
            : null;
    }

    /// <summary>Reads what is already at the relay, once.</summary>
    public async Task EnsureLoadedAsync(CancellationToken cancellationToken)
    {
        if (_loaded)
        {
            return;
        }

        await _loading.WaitAsync(cancellationToken);
        try
        {
            if (_loaded)
            {
                return;
            }

            SetFinished(await evidence.ListClipsAsync(cancellationToken));
            var now = time.GetTimestamp();
            lock (_gate)
            {
                foreach (var (site, device, alertId, bytes) in PartsOnDisk())
                {
                    _parts[alertId] = new Part(site, device, bytes, now);
                    AddUnfinished(site, device, bytes);
                }
            }

            _loaded = true;
        }
        finally
        {
            _loading.Release();
        }
    }

    /// <summary>A device's clip bytes, finished and unfinished.</summary>
    public long DeviceBytes(string site, string device)
    {
        lock (_gate)
        {
            return UsedLocked(site, device);
        }
    }

    /// <summary>All clip bytes at the relay, finished and unfinished.</summary>
    public long TotalBytes
    {
        get
        {
            lock (_gate)
            {
                return _finishedTotal + _unfinishedTotal;
            }
        }
    }

    /// <summary>
    /// Lets an alert's unfinished clip grow to <paramref name="newLength"/> bytes when the device's and the relay's
    /// budgets hold it; returns null then, else what is over, as one line.
    /// </summary>
    public string? TryGrow(string site, string device, Guid alertId, long newLength)
    {
        lock (_gate)
        {
            var current = _parts.TryGetValue(alertId, out var part) ? part.Bytes : 0;
            var growth = Math.Max(0, newLength - current);
            var deviceUsed = UsedLocked(site, device);
            if (growth > 0 && deviceUsed + growth > DeviceBudgetBytes)
            {
                return $"device {site}/{device} holds {deviceUsed} clip bytes; {growth} more would pass its {Settings.MaxMBPerDevice} MB (Relay:Evidence:MaxMBPerDevice)";
            }

            var used = _finishedTotal + _unfinishedTotal;
            if (growth > 0 && used + growth > RelayBudgetBytes)
            {
                return $"the relay holds {used} clip bytes; {growth} more would pass its {Settings.MaxMB} MB (Relay:Evidence:MaxMB)";
            }

            _parts[alertId] = new Part(site, device, current + growth, time.GetTimestamp());
            AddUnfinished(site, device, growth);
            return null;
        }
    }

    /// <summary>The unfinished clip now holds <paramref name="bytes"/> (its file's length after a write).</summary>
    public void PartIs(string site, string device, Guid alertId, long bytes)
    {
        lock (_gate)
        {
            var current = _parts.TryGetValue(alertId, out var part) ? part.Bytes : 0;
            _parts[alertId] = new Part(site, device, bytes, time.GetTimestamp());
            AddUnfinished(site, device, bytes - current);
        }
    }

    /// <summary>The unfinished clip is gone (swept, or its checksum failed).</summary>
    public void PartGone(Guid alertId)
    {
        lock (_gate)
        {
            if (_parts.Remove(alertId, out var part))
            {
                AddUnfinished(part.Site, part.Device, -part.Bytes);
            }
        }
    }

    /// <summary>The unfinished clip became the finished clip of <paramref name="bytes"/>.</summary>
    public void PartFinished(string site, string device, Guid alertId, long bytes)
    {
        lock (_gate)
        {
            if (_parts.Remove(alertId, out var part))
            {
                AddUnfinished(part.Site, part.Device, -part.Bytes);
            }

            _finished[(site, device)] = _finished.GetValueOrDefault((site, device)) + bytes;
            _finishedTotal += bytes;
        }
    }

    /// <summary>Retention deleted a finished clip.</summary>
    public void FinishedDeleted(string site, string device, long bytes)
    {
        lock (_gate)
        {
            var left = Math.Max(0, _finished.GetValueOrDefault((site, device)) - bytes);
            _finishedTotal -= _finished.GetValueOrDefault((site, device)) - left;
            _finished[(site, device)] = left;
        }
    }

    /// <summary>The finished clips as the evidence table lists them (at each sweep, so the ledger cannot drift).</summary>
    public void SetFinished(IReadOnlyList<EvidenceRecord> clipsOnDisk)
    {
        ArgumentNullException.ThrowIfNull(clipsOnDisk);
        lock (_gate)
        {
            _finished.Clear();
            _finishedTotal = 0;
            foreach (var clip in clipsOnDisk)
            {
                var bytes = clip.ClipBytes ?? 0;
                _finished[(clip.Site, clip.Device)] = _finished.GetValueOrDefault((clip.Site, clip.Device)) + bytes;
                _finishedTotal += bytes;
            }
        }
    }

    /// <summary>Unfinished clips that got no piece for <c>Relay:Evidence:PartTtl</c>.</summary>
    public IReadOnlyList<(Guid AlertId, string Site, string Device)> StaleParts()
    {
        var now = time.GetTimestamp();
        lock (_gate)
        {
            return [.. _parts.Where(p => time.GetElapsedTime(p.Value.LastWrite, now) >= Settings.PartTtl).Select(p => (p.Key, p.Value.Site, p.Value.Device))];
        }
    }

    /// <summary>Whether the unfinished clip is still stale (a piece may have come since it was listed).</summary>
    public bool IsStale(Guid alertId)
    {
        lock (_gate)
        {
            return _parts.TryGetValue(alertId, out var part) && time.GetElapsedTime(part.LastWrite) >= Settings.PartTtl;
        }
    }

    private long UsedLocked(string site, string device) =>
        _finished.GetValueOrDefault((site, device)) + _unfinished.GetValueOrDefault((site, device));

    private void AddUnfinished(string site, string device, long delta)
    {
        var left = _unfinished.GetValueOrDefault((site, device)) + delta;
        if (left == 0)
        {
            // A device with nothing unfinished leaves no entry behind.
            _unfinished.Remove((site, device));
        }
        else
        {
            _unfinished[(site, device)] = left;
        }

        _unfinishedTotal += delta;
    }

    private IEnumerable<(string Site, string Device, Guid AlertId, long Bytes)> PartsOnDisk()
    {
        if (!Directory.Exists(clips.Root))
        {
            yield break;
        }

        foreach (var file in Directory.EnumerateFiles(clips.Root, "*.mp4.part", SearchOption.AllDirectories))
        {
            var device = Path.GetDirectoryName(file)!;
            var name = Path.GetFileName(file);
            if (Guid.TryParse(name[..^".mp4.part".Length], out var alertId))
            {
                yield return (Path.GetFileName(Path.GetDirectoryName(device)!), Path.GetFileName(device), alertId, new FileInfo(file).Length);
            }
        }
    }

    public void Dispose()
    {
        _loading.Dispose();
        foreach (var stripe in _locks)
        {
            stripe.Dispose();
        }
    }

    private readonly record struct Part(string Site, string Device, long Bytes, long LastWrite);
}
