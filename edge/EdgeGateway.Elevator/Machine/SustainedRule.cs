namespace EdgeGateway.Elevator.Machine;

/// <summary>
/// The common rule family: raised when <c>raiseWhen</c> has held for <c>raiseAfter</c>, cleared when
/// <c>clearWhen</c> has held for <c>clearAfter</c> (0: at once). While active it never raises again,
/// and after a clear its raise timer starts anew.
/// </summary>
internal sealed class SustainedRule(
    string kind, AlertSeverity severity, Func<bool> raiseWhen, Func<bool> clearWhen, long raiseAfterTicks, long clearAfterTicks = 0) : IFaultRule
{
    private long _raiseSince = long.MaxValue;
    private long _clearSince = long.MaxValue;

    public string Kind { get; } = kind;

    public AlertSeverity Severity { get; } = severity;

    /// <summary>Extra requirement at raise time (someone present); the timer runs without it.</summary>
    public Func<bool>? Gate { get; init; }

    /// <summary>Attributes of the raise (e.g. between_floors).</summary>
    public Func<(string Key, string Value)[]>? RaiseAttributes { get; init; }

    public bool Active { get; private set; }

    public long DueTicks =>
        Active
            ? (clearAfterTicks > 0 && _clearSince != long.MaxValue ? _clearSince + clearAfterTicks : long.MaxValue)
            : (_raiseSince != long.MaxValue && (Gate is null || Gate()) ? _raiseSince + raiseAfterTicks : long.MaxValue);

    public void Evaluate(long at, IFaultSink sink)
    {
        if (Active)
        {
            if (!clearWhen())
            {
                _clearSince = long.MaxValue;
                return;
            }

            _clearSince = Math.Min(_clearSince, at);
            if (at - _clearSince < clearAfterTicks)
            {
                return;
            }

            Active = false;
            _clearSince = long.MaxValue;
            _raiseSince = long.MaxValue;
            sink.Changed(this, AlertState.Cleared, at);
        }

        if (!raiseWhen())
        {
            _raiseSince = long.MaxValue;
            return;
        }

        _raiseSince = Math.Min(_raiseSince, at);
        if (at - _raiseSince >= raiseAfterTicks && (Gate is null || Gate()))
        {
            Active = true;
            _raiseSince = long.MaxValue;
            sink.Changed(this, AlertState.Raised, at, RaiseAttributes?.Invoke());
        }
    }

    public void TakeOver(IFaultRule previous)
    {
        if (previous is SustainedRule rule)
        {
            Active = rule.Active;
            _raiseSince = rule._raiseSince;
            _clearSince = rule._clearSince;
        }
    }

    public void Restart()
    {
        Active = false;
        _raiseSince = long.MaxValue;
        _clearSince = long.MaxValue;
    }
}
