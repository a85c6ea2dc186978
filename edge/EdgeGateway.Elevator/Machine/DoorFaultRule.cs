using System.Globalization;

namespace EdgeGateway.Elevator.Machine;

/// <summary>
/// door_fault: <c>DoorFaultCycles</c> door openings at one stop within <c>DoorFaultWindow</c> (a cycle
/// counts when the door contact opens while the car stands); cleared when no opening is left in the
/// window, or when the car runs.
/// </summary>
internal sealed class DoorFaultRule(CarSignals signals, ElevatorOptions options) : IFaultRule
{
    private readonly Queue<long> _openings = new();
    private readonly long _windowTicks = options.DoorFaultWindow.Ticks;
    private long _lastOpening;
    private bool _wasMoving = signals.Moving;
    private bool _wasDoorOpen = signals.DoorOpen;

    public string Kind => AlertKinds.DoorFault;

    public AlertSeverity Severity => AlertSeverity.Major;

    public bool Active { get; private set; }

    public long DueTicks => Active && _openings.Count > 0 ? _lastOpening + _windowTicks : long.MaxValue;

    public void Evaluate(long at, IFaultSink sink)
    {
        var moving = signals.Moving;
        var doorOpen = signals.DoorOpen;
        if (moving && !_wasMoving)
        {
            _openings.Clear();
        }
        else if (!moving && doorOpen && !_wasDoorOpen)
        {
            _openings.Enqueue(at);
            _lastOpening = at;
        }

        _wasMoving = moving;
        _wasDoorOpen = doorOpen;
        while (_openings.Count > 0 && _openings.Peek() <= at - _windowTicks)
        {
            _openings.Dequeue();
        }

        if (!Active && _openings.Count >= options.DoorFaultCycles)
        {
            Active = true;
            sink.Changed(this, AlertState.Raised, at, [("cycles", _openings.Count.ToString(CultureInfo.InvariantCulture))]);
        }
        else if (Active && _openings.Count == 0)
        {
            Active = false;
            sink.Changed(this, AlertState.Cleared, at);
        }
    }

    public void TakeOver(IFaultRule previous)
    {
        if (previous is DoorFaultRule rule)
        {
            Active = rule.Active;
            foreach (var opening in rule._openings)
            {
                _openings.Enqueue(opening);
            }

            _lastOpening = rule._lastOpening;
            _wasMoving = rule._wasMoving;
            _wasDoorOpen = rule._wasDoorOpen;
        }
    }

    public void Restart()
    {
        Active = false;
        _openings.Clear();
        _wasMoving = signals.Moving;
        _wasDoorOpen = signals.DoorOpen;
    }
}
