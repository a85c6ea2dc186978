namespace EdgeGateway.Elevator.Machine;

/// <summary>
/// overtravel_top / overtravel_bottom: at the terminal floor, moving away from the building, outside
/// the door zone, after having been level at that floor, for <c>OvertravelConfirm</c>; a floor reading
/// past the terminal also counts. Cleared when stopped level in a door zone within the building.
/// </summary>
internal sealed class OvertravelRule : IFaultRule
{
    private readonly CarSignals _signals;
    private readonly int _terminal;
    private readonly int _away;
    private readonly SustainedRule _rule;
    private bool _levelAtTerminal;

    public OvertravelRule(CarSignals signals, ElevatorOptions options, bool top)
    {
        _signals = signals;
        _terminal = top ? options.TopFloor : options.BottomFloor;
        _away = top ? 1 : -1;
        _levelAtTerminal = signals.Floor == _terminal;
        var moving = options.MovingThresholdMps;
        _rule = new SustainedRule(top ? AlertKinds.OvertravelTop : AlertKinds.OvertravelBottom, AlertSeverity.Critical,
            () => (signals.Floor - _terminal) * _away > 0
                || (signals.Floor == _terminal && signals.SpeedMps * _away > moving && !signals.DoorZone && _levelAtTerminal),
            () => (signals.Floor - _terminal) * _away <= 0 && !signals.Moving && signals.DoorZone,
            options.OvertravelConfirm.Ticks);
    }

    public string Kind => _rule.Kind;

    public AlertSeverity Severity => _rule.Severity;

    public bool Active => _rule.Active;

    public long DueTicks => _rule.DueTicks;

    public void Evaluate(long at, IFaultSink sink)
    {
        _levelAtTerminal = _signals.Floor == _terminal && (_levelAtTerminal || _signals.DoorZone);
        _rule.Evaluate(at, sink);
    }

    public void TakeOver(IFaultRule previous)
    {
        if (previous is OvertravelRule rule)
        {
            _rule.TakeOver(rule._rule);
            _levelAtTerminal = rule._levelAtTerminal && rule._terminal == _terminal;
        }
    }

    public void Restart()
    {
        _rule.Restart();
        _levelAtTerminal = _signals.Floor == _terminal && _signals.DoorZone;
    }
}
