namespace EdgeGateway.Uplink.Segments;

/// <summary>
/// The filesystem under the store: free space, re-read at most every <see cref="RefreshInterval"/>
/// (and at once after a write failed), minus a reserve kept for removal records, compaction and the
/// small state files (sequence, counters). The store never plans to use the reserve for new records.
/// </summary>
internal sealed class StorageSpace(string directory, TimeProvider time, long? reserveBytes)
{
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromMilliseconds(250);
    private const long MinReserve = 128 * 1024;
    private const long MaxReserve = 64L * 1024 * 1024;
    private const long MinSegment = 64 * 1024;

    private readonly Lock _gate = new();
    private long _available = long.MaxValue / 4;
    private long _total = long.MaxValue / 4;
    private long _writtenSinceRefresh;
    private long _refreshedAt = long.MinValue;

    /// <summary>Bytes kept free for removals and compaction: a sixteenth of the filesystem, 128 KiB to 64 MiB, unless configured.</summary>
    public long Reserve
    {
        get
        {
            Refresh(force: false);
            return reserveBytes ?? Math.Clamp(Interlocked.Read(ref _total) / 16, MinReserve, MaxReserve);
        }
    }

    /// <summary>Bytes the store may still add before touching the reserve (may be negative).</summary>
    public long Headroom
    {
        get
        {
            Refresh(force: false);
            return Interlocked.Read(ref _available) - Interlocked.Read(ref _writtenSinceRefresh) - Reserve;
        }
    }

    /// <summary>Bytes free on the filesystem now, as last read.</summary>
    public long Available
    {
        get
        {
            Refresh(force: false);
            return Interlocked.Read(ref _available) - Interlocked.Read(ref _writtenSinceRefresh);
        }
    }

    /// <summary>The segment size for this filesystem: the configured size, but at most a sixteenth of the filesystem, so a small disk still rolls and reclaims.</summary>
    public long SegmentBytes(long configured)
    {
        Refresh(force: false);
        return Math.Min(configured, Math.Max(MinSegment, Interlocked.Read(ref _total) / 16));
    }

    public void Wrote(long bytes) => Interlocked.Add(ref _writtenSinceRefresh, bytes);

    public void Refresh(bool force)
    {
        var now = time.GetTimestamp();
        lock (_gate)
        {
            if (!force && _refreshedAt != long.MinValue && time.GetElapsedTime(_refreshedAt, now) < RefreshInterval)
            {
                return;
            }

            try
            {
                var drive = new DriveInfo(directory);
                Interlocked.Exchange(ref _available, drive.AvailableFreeSpace);
                Interlocked.Exchange(ref _total, drive.TotalSize);
                Interlocked.Exchange(ref _writtenSinceRefresh, 0);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
            {
                // Unknown filesystem: keep the last reading.
            }

            _refreshedAt = now;
        }
    }
}
