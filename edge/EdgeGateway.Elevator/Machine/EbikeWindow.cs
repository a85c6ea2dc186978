namespace EdgeGateway.Elevator.Machine;

/// <summary>
/// How long the camera saw an e-bike within a sliding window: raised when seen for at least
/// <c>seenFor</c> of the last <c>window</c>, cleared after <c>clearAfter</c> without it.
/// </summary>
internal sealed class EbikeWindow(long seenForTicks, long windowTicks, long clearAfterTicks)
{
    private const long Open = long.MaxValue;
    private readonly List<(long Start, long End)> _intervals = [];

    public bool Seen => _intervals.Count > 0 && _intervals[^1].End == Open;

    public bool Active { get; set; }

    public long LastSeenEnd { get; private set; } = long.MinValue;

    public void Reset()
    {
        _intervals.Clear();
        Active = false;
        LastSeenEnd = long.MinValue;
    }

    public void Set(bool seen, long now)
    {
        if (seen == Seen)
        {
            return;
        }

        if (seen)
        {
            _intervals.Add((now, Open));
        }
        else
        {
            _intervals[^1] = (_intervals[^1].Start, now);
            LastSeenEnd = now;
        }
    }

    /// <summary>Total time seen within (now - window, now].</summary>
    public long SeenWithin(long now)
    {
        var from = now - windowTicks;
        _intervals.RemoveAll(i => i.End != Open && i.End <= from);
        long total = 0;
        foreach (var (start, end) in _intervals)
        {
            total += Math.Min(end, now) - Math.Max(start, from);
        }

        return total;
    }

    public long DueTicks(long now)
    {
        if (!Active)
        {
            return Seen ? now + Math.Max(0, seenForTicks - SeenWithin(now)) : long.MaxValue;
        }

        return Seen ? long.MaxValue : LastSeenEnd + clearAfterTicks;
    }

    public bool ShouldRaise(long now) => !Active && Seen && SeenWithin(now) >= seenForTicks;

    public bool ShouldClear(long now) => Active && !Seen && now - LastSeenEnd >= clearAfterTicks;
}
