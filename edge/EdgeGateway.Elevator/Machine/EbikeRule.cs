namespace EdgeGateway.Elevator.Machine;

/// <summary>ebike_in_car from the <c>ebike_seen</c> signal: see <see cref="EbikeWindow"/>.</summary>
internal sealed class EbikeRule(CarSignals signals, ElevatorOptions options) : IFaultRule
{
    private readonly EbikeWindow _window = new(options.EbikeSeenFor.Ticks, options.EbikeWindow.Ticks, options.EbikeClearAfter.Ticks);
    private long _last;

    public string Kind => AlertKinds.EbikeInCar;

    public AlertSeverity Severity => AlertSeverity.Warning;

    public bool Active => _window.Active;

    public long DueTicks => _window.DueTicks(_last);

    public void Evaluate(long at, IFaultSink sink)
    {
        _last = at;
        _window.Set(signals.EbikeSeen, at);
        if (_window.ShouldRaise(at))
        {
            _window.Active = true;
            sink.Changed(this, AlertState.Raised, at, [("source", "car_camera")]);
        }
        else if (_window.ShouldClear(at))
        {
            _window.Active = false;
            sink.Changed(this, AlertState.Cleared, at);
        }
    }

    public void Restart() => _window.Reset();
}
