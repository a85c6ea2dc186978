using System.Buffers;
using EdgeGateway.Core.Outbox;
using EdgeGateway.DurableFiles;

namespace EdgeGateway.Uplink.Segments;

/// <summary>
/// Reclaims disk: seals the active segment when it is full, deletes fully removed segments and
/// copies the few live records of a mostly dead segment forward, always oldest first (a removal
/// record may refer to any older segment, so a newer one never goes before an older one). Under
/// disk pressure it also seals an active segment that is largely dead and compacts segments up to
/// half live. Every step either completes or leaves the files and the index as they were.
/// </summary>
internal sealed class SegmentCompactor(SegmentIndex index, StorageSpace space, string directory, long configuredSegmentBytes)
{
    private const int MaxCompactionsPerPass = 4;

    public long SegmentLimit => space.SegmentBytes(configuredSegmentBytes);

    /// <summary>One maintenance pass; returns whether the active segment still has unsynced bytes.</summary>
    public bool Maintain(bool dirty, bool pressure) => Maintain(dirty, pressure, out _);

    /// <summary>One maintenance pass; <paramref name="deferred"/> tells whether a segment worth compacting was left for lack of space.</summary>
    public bool Maintain(bool dirty, bool pressure, out bool deferred)
    {
        deferred = false;
        var active = index.Active!;
        var limit = SegmentLimit;
        var changedNames = false;
        if (active.Length >= limit || (pressure && active.Length > 0 && (active.Live == 0 || active.DeadBytes >= limit / 4)))
        {
            if (dirty)
            {
                active.Sync();
                dirty = false;
            }

            StartSegment(active.Number + 1);
            changedNames = true;
        }

        var compactions = 0;
        while (true)
        {
            SegmentFile oldest;
            lock (index.Gate)
            {
                if (index.Segments.Count < 2)
                {
                    break;
                }

                oldest = index.Segments[0];
            }

            if (oldest.Live == 0)
            {
                Delete(oldest);
                changedNames = true;
                continue;
            }

            var mostlyDead = oldest.LiveBytes * 8 < oldest.Length || (pressure && oldest.LiveBytes * 2 < oldest.Length);
            if (!mostlyDead || compactions >= MaxCompactionsPerPass)
            {
                break;
            }

            if (oldest.LiveBytes + (64 * 1024) > space.Available)
            {
                deferred = true;
                break;
            }

            // A few long-lived records should not pin a whole segment: copy them forward (synced) first.
            CopyForward(oldest);
            dirty = false;
            Delete(oldest);
            changedNames = true;
            compactions++;
        }

        if (changedNames)
        {
            DurableFile.SyncDirectory(directory);
        }

        return dirty;
    }

    /// <summary>Re-appends the live records of <paramref name="segment"/> to the active segment and syncs them; returns how many.</summary>
    public int CopyForward(SegmentFile segment)
    {
        List<SegmentIndex.Location> live;
        lock (index.Gate)
        {
            live = index.LiveIn(segment);
        }

        if (live.Count == 0)
        {
            return 0;
        }

        var active = index.Active!;
        var buffer = new ArrayBufferWriter<byte>();
        var placed = new List<(OutboxEntry Entry, int FrameStart, int PayloadOffset, int FrameLength)>(live.Count);
        foreach (var location in live)
        {
            var payload = new byte[location.Entry.Size];
            if (segment.Read(payload, location.PayloadOffset) != payload.Length)
            {
                throw new IOException($"short read of record {location.Entry.Id} in {segment.Path}");
            }

            var start = buffer.WrittenCount;
            var payloadOffset = RecordFrame.WriteAppend(buffer, location.Entry, payload);
            placed.Add((location.Entry, start, payloadOffset, buffer.WrittenCount - start));
        }

        var at = active.Append(buffer.WrittenSpan);
        space.Wrote(buffer.WrittenCount);
        try
        {
            active.Sync();
        }
        catch (IOException)
        {
            active.CutTo(at);
            throw;
        }

        lock (index.Gate)
        {
            foreach (var (entry, frameStart, payloadOffset, frameLength) in placed)
            {
                // A record removed while it was being copied stays removed.
                if (index.Locations.ContainsKey(entry.Id))
                {
                    index.Track(entry, active, at + frameStart + payloadOffset, frameLength);
                }
            }
        }

        return live.Count;
    }

    public SegmentFile StartSegment(int number)
    {
        var segment = SegmentFile.Create(directory, number);
        lock (index.Gate)
        {
            index.Segments.Add(segment);
        }

        return segment;
    }

    /// <summary>Takes a segment out of the index (its handle closed); the caller deletes or moves the file.</summary>
    public void Detach(SegmentFile segment)
    {
        lock (index.Gate)
        {
            index.Segments.Remove(segment);
            segment.Dispose();
        }
    }

    private void Delete(SegmentFile segment)
    {
        Detach(segment);
        File.Delete(segment.Path);
    }
}
