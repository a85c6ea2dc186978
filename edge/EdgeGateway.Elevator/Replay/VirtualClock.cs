namespace EdgeGateway.Elevator.Replay;

/// <summary>A clock that only moves when told to: replay runs in virtual time, as fast as it can.</summary>
public sealed class VirtualClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public DateTimeOffset Start { get; } = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void SetTo(DateTimeOffset value)
    {
        if (value < _now)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "virtual time never goes back");
        }

        _now = value;
    }
}
