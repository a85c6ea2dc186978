namespace EdgeGateway.Elevator.Machine;

/// <summary>
/// One fault (or operating mode) of the car: raised once, cleared once. The machine asks every rule
/// when it next falls due with the signals held, and evaluates it at that moment and after every
/// new reading. A new fault is one class (or one more <see cref="SustainedRule"/>) and one line in
/// <see cref="FaultRules"/>.
/// </summary>
internal interface IFaultRule
{
    string Kind { get; }

    AlertSeverity Severity { get; }

    bool Active { get; }

    /// <summary>When this rule must be evaluated next if no signal changes (ticks), or <see cref="long.MaxValue"/>.</summary>
    long DueTicks { get; }

    /// <summary>Checks the rule at <paramref name="at"/> against the held signals; reports a raise or clear to <paramref name="sink"/>.</summary>
    void Evaluate(long at, IFaultSink sink);

    /// <summary>Forgets every timer, counter and the active flag, so the rule starts afresh from the next evaluation.</summary>
    void Restart();

    /// <summary>
    /// Continues where <paramref name="previous"/> (the same rule of the machine this one replaces on a settings
    /// change) left off: raised or not, its timers and counters. A raised fault is not raised again and still clears;
    /// the new settings apply from the next evaluation.
    /// </summary>
    void TakeOver(IFaultRule previous);
}

/// <summary>Where a rule reports its raise or clear, stamped with the moment it fired.</summary>
internal interface IFaultSink
{
    void Changed(IFaultRule rule, AlertState state, long at, (string Key, string Value)[]? attributes = null);
}
