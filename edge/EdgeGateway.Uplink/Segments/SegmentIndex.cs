using EdgeGateway.Core.Outbox;

namespace EdgeGateway.Uplink.Segments;

/// <summary>
/// Where every live record is: its segment and payload offset. Shared by the writer, the
/// compactor and readers; every access holds <see cref="Gate"/>.
/// </summary>
internal sealed class SegmentIndex
{
    public Lock Gate { get; } = new();

    /// <summary>Segments oldest first; the last one is the active segment appends go to.</summary>
    public List<SegmentFile> Segments { get; } = [];

    public Dictionary<long, Location> Locations { get; } = [];

    public SegmentFile? Active => Segments.Count == 0 ? null : Segments[^1];

    /// <summary>Bytes of all segment files.</summary>
    public long SegmentBytes
    {
        get
        {
            long total = 0;
            foreach (var segment in Segments)
            {
                total += segment.Length;
            }

            return total;
        }
    }

    public void Track(OutboxEntry entry, SegmentFile segment, long payloadOffset, int frameLength)
    {
        Forget(entry.Id);
        Locations[entry.Id] = new Location(entry, segment, payloadOffset, frameLength);
        segment.Live++;
        segment.LiveBytes += frameLength;
    }

    /// <summary>Forgets a record; returns the number of the segment that held it, or 0 if it was not known.</summary>
    public int Forget(long id)
    {
        if (!Locations.Remove(id, out var location))
        {
            return 0;
        }

        location.Segment.Live--;
        location.Segment.LiveBytes -= location.FrameLength;
        return location.Segment.Number;
    }

    public bool HasSegment(int number)
    {
        foreach (var segment in Segments)
        {
            if (segment.Number == number)
            {
                return true;
            }
        }

        return false;
    }

    public List<Location> LiveIn(SegmentFile segment)
    {
        var live = new List<Location>(segment.Live);
        foreach (var location in Locations.Values)
        {
            if (location.Segment == segment)
            {
                live.Add(location);
            }
        }

        live.Sort((a, b) => a.Entry.Id.CompareTo(b.Entry.Id));
        return live;
    }

    public readonly record struct Location(OutboxEntry Entry, SegmentFile Segment, long PayloadOffset, int FrameLength);
}
