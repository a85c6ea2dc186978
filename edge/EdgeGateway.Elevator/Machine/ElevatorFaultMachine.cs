using System.Globalization;
using EdgeGateway.Core.Alerts;
using EdgeGateway.Core.Elevator;
using EdgeGateway.Core.Health;
using Stateless;
using Stateless.Graph;

namespace EdgeGateway.Elevator.Machine;

/// <summary>
/// One elevator's fault machine. A Stateless machine follows the car (parked, doors open,
/// running, halted between floors, safety circuit open, no power), driven by signal edges; the
/// rules of <see cref="FaultRules"/> raise each fault once and clear it once. Not thread-safe: one
/// consumer calls <see cref="Apply"/>, <see cref="Tick"/> and <see cref="CheckIn"/>. All time comes
/// from the injected <see cref="TimeProvider"/>; rules that fell due between two calls are
/// evaluated at their own due time, so a raised fault carries the moment its rule fired.
/// While inspection or fire service is active, the rules of <c>Elevator:SuppressedInModes</c> are
/// cleared (attribute <c>suppressed_by</c>) and not evaluated; when the mode ends they start afresh.
/// </summary>
public sealed class ElevatorFaultMachine : IFaultSink
{
    private enum State
    {
        Powered,
        InService,
        Parked,
        DoorOpen,
        Running,
        RunningDoorOpen,
        Halted,
        SafetyOpen,
        NoPower,
    }

    private enum Trigger
    {
        Started,
        Stopped,
        DoorOpened,
        DoorClosed,
        LevelReached,
        LevelLost,
        SafetyOpened,
        SafetyClosed,
        MainsLost,
        MainsRestored,
    }

    private static readonly HashSet<string> Blocking = new(StringComparer.Ordinal)
    {
        AlertKinds.Trapped, AlertKinds.StopOutsideZone, AlertKinds.DoorOpenMoving, AlertKinds.Overspeed,
        AlertKinds.OvertravelTop, AlertKinds.OvertravelBottom, AlertKinds.UnintendedMovement,
    };

    private readonly StateMachine<State, Trigger> _machine;
    private readonly ElevatorOptions _options;
    private readonly TimeProvider _time;
    private readonly CarSignals _signals;
    private readonly Queue<FaultChange> _changes = new();
    private readonly IFaultRule[] _rules;
    private readonly bool[] _suppressible;
    private readonly IFaultRule[] _modes;
    private readonly MaintenanceRule _maintenance;
    private readonly IReadOnlyDictionary<string, string> _codes;
    private readonly RunStatistics _statistics;
    private State _state = State.Parked;
    private long _nextDue = long.MinValue;
    private long _evaluatedSignature = long.MinValue;
    private long _lastStatusTicks = long.MinValue;
    private bool _statusDirty = true;
    private bool _suppressing;

    public ElevatorFaultMachine(ElevatorOptions options, TimeProvider time, DateTimeOffset? lastMaintenance = null, ElevatorStatistics? statistics = null)
        : this(options, time, lastMaintenance, statistics, previous: null)
    {
    }

    private ElevatorFaultMachine(
        ElevatorOptions options, TimeProvider time, DateTimeOffset? lastMaintenance, ElevatorStatistics? statistics, ElevatorFaultMachine? previous)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        _options = options;
        _time = time;
        var start = Now();
        _signals = new CarSignals(options.MovingThresholdMps, options.RatedSpeedMps * options.OverspeedFactor,
            options.RatedSpeedMps * options.SpeedAnomalyLowFactor, options.VibrationLimitMps2) { Floor = options.BottomFloor };
        if (previous is not null)
        {
            _signals.Apply(previous._signals.Held());
        }

        _codes = ElevatorCodes.For(options);
        _statistics = previous?._statistics ?? new RunStatistics(statistics);
        _rules = [.. FaultRules.Create(_signals, options, start, lastMaintenance)];
        _modes = [.. _rules.Where(r => r.Kind is AlertKinds.InspectionMode or AlertKinds.FireMode)];
        _maintenance = _rules.OfType<MaintenanceRule>().Single();
        var suppressed = new HashSet<string>((IEnumerable<string>?)options.SuppressedInModes ?? FaultRules.DefaultSuppressedInModes, StringComparer.Ordinal);
        _suppressible = [.. _rules.Select(r => suppressed.Contains(r.Kind) && !_modes.Contains(r))];

        if (previous is not null)
        {
            TakeOver(previous);
        }

        _machine = new StateMachine<State, Trigger>(() => _state, value => _state = value, FiringMode.Immediate);
        Configure();
        _machine.OnTransitioned(_ => _statusDirty = true);
        Evaluate(start);
    }

    /// <summary>
    /// A machine with new settings that continues this one: the held signals and state, the faults raised (not
    /// raised again, still cleared once, by the new rules), every rule's timers and counters, the operating mode,
    /// the run statistics and the last maintenance. The new timings apply from now. This machine is not used after.
    /// </summary>
    public ElevatorFaultMachine Reconfigure(ElevatorOptions options) => new(options, _time, LastMaintenance, null, this);

    private void TakeOver(ElevatorFaultMachine previous)
    {
        foreach (var rule in _rules)
        {
            if (Array.Find(previous._rules, r => string.Equals(r.Kind, rule.Kind, StringComparison.Ordinal)) is { } old)
            {
                rule.TakeOver(old);
            }
        }

        _state = Desired();
        _suppressing = previous._suppressing;
        _lastStatusTicks = previous._lastStatusTicks;
        while (previous._changes.TryDequeue(out var change))
        {
            _changes.Enqueue(change);
        }
    }

    /// <summary>The machine as a Mermaid state diagram, for the diagnostics page.</summary>
    public string ToMermaid() => MermaidGraph.Format(_machine.GetInfo());

    public string StateName => _state.ToString();

    public int Floor => _signals.Floor;

    public double SpeedMps => _signals.SpeedMps;

    public DateTimeOffset? LastMaintenance => _maintenance.LastCheckIn;

    /// <summary><c>normal</c>, <c>inspection</c> or <c>fire</c> (fire service wins when both switches are on).</summary>
    public string Mode => _modes[1].Active ? "fire" : _modes[0].Active ? "inspection" : "normal";

    /// <summary>False while power or the safety circuit is off, an operating mode is active, or a blocking fault is active.</summary>
    public bool InService => _machine.IsInState(State.InService) && !_suppressing && !_rules.Any(r => r.Active && Blocking.Contains(r.Kind));

    public string Direction => _signals.SpeedMps > _options.MovingThresholdMps ? "up"
        : _signals.SpeedMps < -_options.MovingThresholdMps ? "down" : "stopped";

    public bool HasChanges => _changes.Count > 0;

    /// <summary>The platform code of each kind this machine raises.</summary>
    public IReadOnlyDictionary<string, string> Codes => _codes;

    /// <summary>Takes in a sensor reading taken now.</summary>
    public void Apply(in SignalUpdate update)
    {
        var now = Now();
        AdvanceTo(now);

        var s = _signals;
        var (mains, safety, moving, doorOpen, zone) = (s.MainsPower, s.SafetyCircuitOk, s.Moving, s.DoorOpen, s.DoorZone);
        _statistics.Advance(now, moving, s.SpeedMps);
        s.Apply(update);
        _statistics.Reading(s.SpeedMps);
        if (s.MainsPower != mains)
        {
            Fire(s.MainsPower ? Trigger.MainsRestored : Trigger.MainsLost);
        }

        if (s.SafetyCircuitOk != safety)
        {
            Fire(s.SafetyCircuitOk ? Trigger.SafetyClosed : Trigger.SafetyOpened);
        }

        if (s.Moving != moving)
        {
            _statusDirty = true;
            Fire(s.Moving ? Trigger.Started : Trigger.Stopped);
            if (s.Moving)
            {
                _statistics.RunStarted();
            }
            else if (s.DoorZone)
            {
                _statistics.StoppedAt(s.Floor);
            }
        }

        if (s.DoorOpen != doorOpen)
        {
            _statusDirty = true;
            Fire(s.DoorOpen ? Trigger.DoorOpened : Trigger.DoorClosed);
            if (s.DoorOpen)
            {
                _statistics.DoorOpened();
            }
        }

        if (s.DoorZone != zone)
        {
            Fire(s.DoorZone ? Trigger.LevelReached : Trigger.LevelLost);
        }

        // A reading that changes no fact a rule reads (most readings of a run change only the speed within
        // its band) changes no verdict and no due time. Moving with the door open, the distance travelled
        // needs every reading.
        if (s.Signature() != _evaluatedSignature || (s.Moving && s.DoorOpen))
        {
            Evaluate(now);
        }
    }

    /// <summary>Lets time pass without a new reading; fires every rule due by now.</summary>
    public void Tick()
    {
        var now = Now();
        AdvanceTo(now);
        Evaluate(now);
    }

    /// <summary>A technician's maintenance visit; clears maintenance_overdue.</summary>
    public void CheckIn(DateTimeOffset at)
    {
        var now = Now();
        AdvanceTo(now);
        _maintenance.CheckIn(at);
        Evaluate(now);
    }

    public bool TryTakeChange(out FaultChange change) => _changes.TryDequeue(out change!);

    /// <summary>Faults (and modes) raised and not yet cleared.</summary>
    public IReadOnlyList<string> ActiveFaults() => [.. _rules.Where(r => r.Active).Select(r => r.Kind)];

    /// <summary>Status when one is due: on a change of motion or door, else every few seconds while moving and a slower heartbeat idle.</summary>
    public bool TryTakeStatus(out ElevatorStatus status)
    {
        var now = Now();
        var interval = _signals.Moving ? _options.StatusIntervalMoving.Ticks : _options.StatusIntervalIdle.Ticks;
        if (!_statusDirty && _lastStatusTicks != long.MinValue && now - _lastStatusTicks < interval)
        {
            status = null!;
            return false;
        }

        _statusDirty = false;
        _lastStatusTicks = now;
        status = new ElevatorStatus(new DateTimeOffset(now, TimeSpan.Zero), Floor, Direction,
            _signals.DoorOpen ? "open" : "closed", InService, _signals.SpeedMps, StateName);
        return true;
    }

    public ElevatorSnapshot Snapshot() => new(StateName, Floor, Direction, !_signals.DoorOpen, InService, _signals.SpeedMps,
        _signals.ToDictionary(), ActiveFaults(), LastMaintenance)
    {
        Mode = Mode,
        Codes = _codes,
        Statistics = Statistics(),
    };

    /// <summary>The run statistics up to now.</summary>
    public ElevatorStatistics Statistics() => _statistics.Snapshot(_time.GetUtcNow());

    /// <summary>True when the Stateless state is the one the held signals describe (for tests of the edge wiring).</summary>
    internal bool StateFollowsSignals => _state == Desired();

    void IFaultSink.Changed(IFaultRule rule, AlertState state, long at, (string Key, string Value)[]? attributes)
    {
        Emit(rule.Kind, rule.Severity, state, at, attributes);
        if (Array.IndexOf(_modes, rule) < 0)
        {
            return;
        }

        var suppressing = _modes[0].Active || _modes[1].Active;
        if (suppressing == _suppressing)
        {
            return;
        }

        _suppressing = suppressing;
        for (var i = 0; i < _rules.Length; i++)
        {
            var suppressed = _rules[i];
            if (!_suppressible[i])
            {
                continue;
            }

            if (suppressing && suppressed.Active)
            {
                Emit(suppressed.Kind, suppressed.Severity, AlertState.Cleared, at, [("suppressed_by", rule.Kind)]);
            }

            // Into a mode: forget. Out of it: start afresh, timers and counters from now.
            suppressed.Restart();
        }
    }

    private long Now() => _time.GetUtcNow().UtcTicks;

    /// <summary>
    /// Fires the trigger of one signal edge. A state that has no transition for it already reflects the
    /// edge (a guard or a dynamic target read the new signals first, or the car is out of power or
    /// safety), so the edge changes nothing there.
    /// </summary>
    private void Fire(Trigger trigger)
    {
        if (_machine.CanFire(trigger))
        {
            _machine.Fire(trigger);
        }
    }

    private void Configure()
    {
        bool Level() => _signals.DoorZone;
        bool DoorIsOpen() => _signals.DoorOpen;
        const string level = "level", notLevel = "outside door zone", open = "door open", closed = "door closed";

        _machine.Configure(State.Powered)
            .Permit(Trigger.MainsLost, State.NoPower);
        _machine.Configure(State.InService)
            .SubstateOf(State.Powered)
            .Permit(Trigger.SafetyOpened, State.SafetyOpen);
        _machine.Configure(State.Parked)
            .SubstateOf(State.InService)
            .Permit(Trigger.Started, State.Running)
            .Permit(Trigger.DoorOpened, State.DoorOpen)
            .Permit(Trigger.LevelLost, State.Halted);
        _machine.Configure(State.DoorOpen)
            .SubstateOf(State.InService)
            .Permit(Trigger.Started, State.RunningDoorOpen)
            .Permit(Trigger.DoorClosed, State.Parked)
            .Permit(Trigger.LevelLost, State.Halted);
        _machine.Configure(State.Running)
            .SubstateOf(State.InService)
            .PermitIf(Trigger.Stopped, State.Parked, Level, level)
            .PermitIf(Trigger.Stopped, State.Halted, () => !Level(), notLevel)
            .Permit(Trigger.DoorOpened, State.RunningDoorOpen);
        _machine.Configure(State.RunningDoorOpen)
            .SubstateOf(State.InService)
            .PermitIf(Trigger.Stopped, State.DoorOpen, Level, level)
            .PermitIf(Trigger.Stopped, State.Halted, () => !Level(), notLevel)
            .Permit(Trigger.DoorClosed, State.Running);
        _machine.Configure(State.Halted)
            .SubstateOf(State.InService)
            .PermitIf(Trigger.Started, State.Running, () => !DoorIsOpen(), closed)
            .PermitIf(Trigger.Started, State.RunningDoorOpen, DoorIsOpen, open)
            .PermitIf(Trigger.LevelReached, State.Parked, () => !DoorIsOpen(), closed)
            .PermitIf(Trigger.LevelReached, State.DoorOpen, DoorIsOpen, open);
        _machine.Configure(State.SafetyOpen)
            .SubstateOf(State.Powered)
            .PermitDynamic(Trigger.SafetyClosed, CarState);
        _machine.Configure(State.NoPower)
            .PermitDynamic(Trigger.MainsRestored, () => _signals.SafetyCircuitOk ? CarState() : State.SafetyOpen);
    }

    /// <summary>What the car is doing, in service.</summary>
    private State CarState()
    {
        if (_signals.Moving)
        {
            return _signals.DoorOpen ? State.RunningDoorOpen : State.Running;
        }

        if (!_signals.DoorZone)
        {
            return State.Halted;
        }

        return _signals.DoorOpen ? State.DoorOpen : State.Parked;
    }

    private State Desired() => !_signals.MainsPower ? State.NoPower : !_signals.SafetyCircuitOk ? State.SafetyOpen : CarState();

    /// <summary>Evaluates every rule that fell due up to <paramref name="now"/>, each at its own due time, with the signals held since.</summary>
    private void AdvanceTo(long now)
    {
        while (_nextDue <= now)
        {
            Evaluate(_nextDue);
        }
    }

    /// <summary>Checks every rule at time <paramref name="at"/> against the held signals, then notes when the next one falls due.</summary>
    private void Evaluate(long at)
    {
        var rules = _rules;
        for (var i = 0; i < rules.Length; i++)
        {
            if (!(_suppressing && _suppressible[i]))
            {
                rules[i].Evaluate(at, this);
            }
        }

        var due = long.MaxValue;
        for (var i = 0; i < rules.Length; i++)
        {
            if (!(_suppressing && _suppressible[i]))
            {
                due = Math.Min(due, rules[i].DueTicks);
            }
        }

        _evaluatedSignature = _signals.Signature();

        // A rule never falls due in the past of the moment just evaluated.
        _nextDue = due <= at ? at + TimeSpan.TicksPerMillisecond : due;
    }

    private void Emit(string kind, AlertSeverity severity, AlertState state, long at, (string Key, string Value)[]? extra)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["floor"] = _signals.Floor.ToString(CultureInfo.InvariantCulture),
            ["car"] = _options.CarId,
        };
        if (_codes.TryGetValue(kind, out var code))
        {
            attributes["code"] = code;
        }

        foreach (var (key, value) in extra ?? [])
        {
            attributes[key] = value;
        }

        _statusDirty = true;
        var moment = new DateTimeOffset(at, TimeSpan.Zero);
        _changes.Enqueue(new FaultChange(new AlertDraft(kind, severity, state, attributes) { At = moment }));
    }
}
