namespace EdgeGateway.Elevator.Machine;

/// <summary>
/// unintended_movement: once the car has stopped in a door zone and the door has opened, the car moves
/// (|speed| above <c>MovingThresholdMps</c>) with the door open and travels more than
/// <c>UnintendedMovementM</c> (speed integrated over time, from the last stop). Cleared when the car is
/// stopped with the door closed. Closing the door disarms the rule until the next stop with the door open.
/// </summary>
internal sealed class UnintendedMovementRule(CarSignals signals, ElevatorOptions options) : IFaultRule
{
    private readonly double _limitM = options.UnintendedMovementM;
    private bool _armed;
    private double _travelledM;
    private long _last = long.MinValue;
    private double _heldSpeed;
    private bool _heldMoving;

    public string Kind => AlertKinds.UnintendedMovement;

    public AlertSeverity Severity => AlertSeverity.Critical;

    public bool Active { get; private set; }

    public long DueTicks =>
        !Active && _armed && _heldMoving
            ? _last + (long)Math.Ceiling(Math.Max(0, _limitM - _travelledM) / Math.Abs(_heldSpeed) * TimeSpan.TicksPerSecond)
            : long.MaxValue;

    public void Evaluate(long at, IFaultSink sink)
    {
        if (_armed && _heldMoving && _last != long.MinValue)
        {
            _travelledM += Math.Abs(_heldSpeed) * (at - _last) / TimeSpan.TicksPerSecond;
        }

        _last = at;
        _heldSpeed = signals.SpeedMps;
        _heldMoving = signals.Moving;
        if (!signals.DoorOpen)
        {
            _armed = false;
            _travelledM = 0;
        }
        else if (!signals.Moving)
        {
            // Standing with the door open: armed at a landing; each movement is measured from its own start.
            _armed |= signals.DoorZone;
            _travelledM = 0;
        }

        if (!Active && _armed && _travelledM >= _limitM - 1e-9)
        {
            Active = true;
            sink.Changed(this, AlertState.Raised, at);
        }
        else if (Active && !signals.Moving && !signals.DoorOpen)
        {
            Active = false;
            sink.Changed(this, AlertState.Cleared, at);
        }
    }

    public void TakeOver(IFaultRule previous)
    {
        if (previous is UnintendedMovementRule rule)
        {
            Active = rule.Active;
            _armed = rule._armed;
            _travelledM = rule._travelledM;
            _last = rule._last;
            _heldSpeed = rule._heldSpeed;
            _heldMoving = rule._heldMoving;
        }
    }

    public void Restart()
    {
        Active = false;
        _armed = false;
        _travelledM = 0;
        _last = long.MinValue;
    }
}
