namespace EdgeGateway.Supervision.Progress;

/// <summary>
/// The parts whose progress decides whether the program is healthy. Each part registers when it
/// starts, with its own deadline, and beats while it runs. The watchdog asks <see cref="FindStall"/>
/// before each ping; the liveness probe asks the same question.
/// </summary>
public sealed class ProgressRegistry(TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly List<Heartbeat> _parts = [];

    /// <summary>Starts watching a part; it counts as having beaten just now.</summary>
    public Heartbeat Register(string part, TimeSpan deadline)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(part);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(deadline, TimeSpan.Zero);
        var heartbeat = new Heartbeat(this, part, deadline, time);
        lock (_gate)
        {
            _parts.Add(heartbeat);
        }

        return heartbeat;
    }

    /// <summary>Every part now watched, with how long since its last beat.</summary>
    public IReadOnlyList<PartProgress> Snapshot()
    {
        lock (_gate)
        {
            return [.. _parts.Select(p => new PartProgress(p.Part, p.SinceLastBeat, p.Deadline))];
        }
    }

    /// <summary>The part furthest past its deadline, or null when every part made progress in time.</summary>
    public PartProgress? FindStall()
    {
        PartProgress? worst = null;
        foreach (var part in Snapshot())
        {
            if (part.Stalled && (worst is null || part.Overdue > worst.Overdue))
            {
                worst = part;
            }
        }

        return worst;
    }

    internal void Remove(Heartbeat heartbeat)
    {
        lock (_gate)
        {
            _parts.Remove(heartbeat);
        }
    }
}

/// <summary>One part as the registry sees it.</summary>
public sealed record PartProgress(string Part, TimeSpan SinceLastBeat, TimeSpan Deadline)
{
    public bool Stalled => SinceLastBeat > Deadline;

    public TimeSpan Overdue => SinceLastBeat - Deadline;
}
