namespace EdgeGateway.Elevator.Hardware;

/// <summary>
/// One polled input: a new level is believed only after it has read the same for the debounce
/// time (contact bounce, interference), and an active level can be held on (a blinking PIR).
/// </summary>
internal sealed class DebouncedInput(InputPin pin)
{
    private bool? _stable;
    private bool _candidate;
    private long _candidateSince;
    private long _lastActive = long.MinValue;

    public InputPin Pin { get; } = pin;

    /// <summary>Feeds one raw logical reading taken at <paramref name="now"/> (ticks); returns the believed value.</summary>
    public bool Update(bool active, long now)
    {
        if (_stable is null)
        {
            _stable = active;
            _candidate = active;
            _candidateSince = now;
        }
        else if (active == _stable)
        {
            _candidate = active;
            _candidateSince = now;
        }
        else if (active != _candidate)
        {
            _candidate = active;
            _candidateSince = now;
        }
        else if (now - _candidateSince >= Pin.Debounce.Ticks)
        {
            _stable = active;
        }

        if (_stable.Value)
        {
            _lastActive = now;
            return true;
        }

        return Pin.Hold > TimeSpan.Zero && _lastActive != long.MinValue && now - _lastActive < Pin.Hold.Ticks;
    }
}
