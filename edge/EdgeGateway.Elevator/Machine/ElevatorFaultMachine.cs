using System.Globalization;
using EdgeGateway.Core.Alerts;
using EdgeGateway.Core.Elevator;
using EdgeGateway.Core.Health;
using Stateless;
using Stateless.Graph;

namespace EdgeGateway.Elevator.Machine;

/// <summary>
/// One elevator's fault machine. A Stateless machine follows the car (parked, doors open,
/// running, halted between floors, safety circuit open, no power); timed rules on top of it
/// raise each DOMAIN.md fault once and clear it once. Not thread-safe: one consumer calls
/// <see cref="Apply"/>, <see cref="Tick"/> and <see cref="CheckIn"/>. All time comes from the
/// injected <see cref="TimeProvider"/>; timers that fell due between two calls are evaluated at
/// their own due time, so a raised fault carries the moment its rule fired.
/// </summary>
public sealed class ElevatorFaultMachine
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

    private readonly StateMachine<State, Trigger> _machine;
    private readonly ElevatorOptions _options;
    private readonly TimeProvider _time;
    private readonly CarSignals _signals = new();
    private readonly Queue<FaultChange> _changes = new();
    private readonly TimedRule[] _timedRules;
    private readonly TimedRule _trapped;
    private readonly Queue<long> _overspeedSamples = new();
    private readonly Queue<long> _doorOpenings = new();
    private readonly EbikeWindow _ebike;
    private readonly long _startTicks;
    private readonly long _sampleTicks;
    private readonly long _moving;
    private State _state = State.Parked;
    private long _nextSampleTicks;
    private bool _overspeedActive;
    private bool _doorFaultActive;
    private bool _maintenanceActive;
    private bool _inspectionActive;
    private bool _levelAtTop;
    private bool _levelAtBottom;
    private long _maintenanceBaseTicks;
    private long _lastStatusTicks = long.MinValue;
    private long _lastEvaluatedTicks;
    private bool _statusDirty = true;

    public ElevatorFaultMachine(ElevatorOptions options, TimeProvider time, DateTimeOffset? lastMaintenance = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        _options = options;
        _time = time;
        _startTicks = Now();
        _sampleTicks = options.OverspeedSampleInterval.Ticks;
        _nextSampleTicks = _startTicks;
        _moving = (long)(options.MovingThresholdMps * 1e6);
        _maintenanceBaseTicks = lastMaintenance?.UtcTicks ?? _startTicks;
        LastMaintenance = lastMaintenance;
        _signals.Floor = options.BottomFloor;
        _levelAtBottom = true;
        _ebike = new EbikeWindow(options.EbikeSeenFor.Ticks, options.EbikeWindow.Ticks, options.EbikeClearAfter.Ticks);

        var s = _signals;
        _trapped = new TimedRule(AlertKinds.Trapped, AlertSeverity.Critical,
            () => !IsMoving && !s.DoorOpen, () => IsMoving || s.DoorOpen, options.TrappedAfter.Ticks)
        { Gate = () => s.Presence };
        _timedRules =
        [
            _trapped,
            new TimedRule(AlertKinds.StopOutsideZone, AlertSeverity.Major,
                () => !IsMoving && !s.DoorZone, () => s.DoorZone, options.StopOutsideZoneAfter.Ticks),
            new TimedRule(AlertKinds.DoorOpenMoving, AlertSeverity.Critical,
                () => IsMoving && s.DoorOpen && !s.DoorZone, () => !IsMoving || !s.DoorOpen, options.DoorOpenMovingAfter.Ticks),
            new TimedRule(AlertKinds.OvertravelTop, AlertSeverity.Critical,
                () => s.Floor > options.TopFloor || (s.Floor == options.TopFloor && s.SpeedMps > options.MovingThresholdMps && !s.DoorZone && _levelAtTop),
                () => s.Floor <= options.TopFloor && !IsMoving && s.DoorZone, options.OvertravelConfirm.Ticks),
            new TimedRule(AlertKinds.OvertravelBottom, AlertSeverity.Critical,
                () => s.Floor < options.BottomFloor || (s.Floor == options.BottomFloor && s.SpeedMps < -options.MovingThresholdMps && !s.DoorZone && _levelAtBottom),
                () => s.Floor >= options.BottomFloor && !IsMoving && s.DoorZone, options.OvertravelConfirm.Ticks),
            new TimedRule(AlertKinds.DoorOpenTooLong, AlertSeverity.Warning,
                () => !IsMoving && s.DoorOpen && s.DoorZone, () => !s.DoorOpen || IsMoving, options.DoorOpenTooLongAfter.Ticks),
            new TimedRule(AlertKinds.SafetyCircuitOpen, AlertSeverity.Major,
                () => s.MainsPower && !s.SafetyCircuitOk, () => s.SafetyCircuitOk, options.SafetyCircuitConfirm.Ticks),
            new TimedRule(AlertKinds.PowerLoss, AlertSeverity.Major,
                () => !s.MainsPower, () => s.MainsPower, options.PowerLossConfirm.Ticks),
            new TimedRule(AlertKinds.AlarmButton, AlertSeverity.Critical,
                () => s.AlarmButton, () => !s.AlarmButton, options.AlarmButtonHold.Ticks),
        ];

        _machine = new StateMachine<State, Trigger>(() => _state, value => _state = value, FiringMode.Immediate);
        Configure();
        Evaluate(_startTicks);
    }

    /// <summary>The machine as a Mermaid state diagram, for the diagnostics page.</summary>
    public string ToMermaid() => MermaidGraph.Format(_machine.GetInfo());

    public string StateName => _state.ToString();

    public int Floor => _signals.Floor;

    public double SpeedMps => _signals.SpeedMps;

    public DateTimeOffset? LastMaintenance { get; private set; }

    /// <summary>False while power or the safety circuit is off or a blocking fault is active.</summary>
    public bool InService =>
        _machine.IsInState(State.InService)
        && !_trapped.Active && !_overspeedActive
        && !_timedRules.Any(r => r.Active && r.Kind is AlertKinds.StopOutsideZone or AlertKinds.DoorOpenMoving
            or AlertKinds.OvertravelTop or AlertKinds.OvertravelBottom);

    public string Direction => _signals.SpeedMps > _options.MovingThresholdMps ? "up"
        : _signals.SpeedMps < -_options.MovingThresholdMps ? "down" : "stopped";

    public bool HasChanges => _changes.Count > 0;

    private bool IsMoving => (long)(Math.Abs(_signals.SpeedMps) * 1e6) > _moving;

    /// <summary>Takes in a sensor reading taken now.</summary>
    public void Apply(in SignalUpdate update)
    {
        var now = Now();
        AdvanceTo(now);

        var wasMoving = IsMoving;
        var wasDoorOpen = _signals.DoorOpen;
        _signals.Apply(update);
        if (update.EbikeSeen is { } seen)
        {
            _ebike.Set(seen, now);
        }

        if (IsMoving != wasMoving || _signals.DoorOpen != wasDoorOpen)
        {
            _statusDirty = true;
        }

        if (IsMoving && !wasMoving)
        {
            _doorOpenings.Clear();
            if (_doorFaultActive)
            {
                _doorFaultActive = false;
                Emit(AlertKinds.DoorFault, AlertSeverity.Major, AlertState.Cleared, now);
            }
        }
        else if (!IsMoving && _signals.DoorOpen && !wasDoorOpen)
        {
            CountDoorOpening(now);
        }

        TrackTerminals();
        Sync();
        Evaluate(now);
    }

    /// <summary>Lets time pass without a new reading; fires every timer due by now.</summary>
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
        LastMaintenance = at;
        _maintenanceBaseTicks = at.UtcTicks;
        Evaluate(now);
    }

    public bool TryTakeChange(out FaultChange change) => _changes.TryDequeue(out change!);

    /// <summary>Faults raised and not yet cleared.</summary>
    public IReadOnlyList<string> ActiveFaults()
    {
        var active = _timedRules.Where(r => r.Active).Select(r => r.Kind).ToList();
        if (_overspeedActive)
        {
            active.Add(AlertKinds.Overspeed);
        }

        if (_doorFaultActive)
        {
            active.Add(AlertKinds.DoorFault);
        }

        if (_ebike.Active)
        {
            active.Add(AlertKinds.EbikeInCar);
        }

        if (_maintenanceActive)
        {
            active.Add(AlertKinds.MaintenanceOverdue);
        }

        if (_inspectionActive)
        {
            active.Add(AlertKinds.InspectionOverdue);
        }

        return active;
    }

    /// <summary>Status when one is due: on a change of motion or door, else every few seconds while moving and a slower heartbeat idle.</summary>
    public bool TryTakeStatus(out ElevatorStatus status)
    {
        var now = Now();
        var interval = IsMoving ? _options.StatusIntervalMoving.Ticks : _options.StatusIntervalIdle.Ticks;
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
        _signals.ToDictionary(), ActiveFaults(), LastMaintenance);

    private long Now() => _time.GetUtcNow().UtcTicks;

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
        if (IsMoving)
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

    /// <summary>Fires the triggers that take the machine to the state the signals describe.</summary>
    private void Sync()
    {
        for (var step = 0; step < 4; step++)
        {
            var desired = Desired();
            if (_state == desired)
            {
                return;
            }

            _statusDirty = true;
            _machine.Fire(NextTrigger(_state, desired));
        }
    }

    private static Trigger NextTrigger(State current, State desired)
    {
        static bool Moving(State s) => s is State.Running or State.RunningDoorOpen;
        static bool Open(State s) => s is State.DoorOpen or State.RunningDoorOpen;
        if (desired == State.NoPower)
        {
            return Trigger.MainsLost;
        }

        if (current == State.NoPower)
        {
            return Trigger.MainsRestored;
        }

        if (desired == State.SafetyOpen)
        {
            return Trigger.SafetyOpened;
        }

        if (current == State.SafetyOpen)
        {
            return Trigger.SafetyClosed;
        }

        if (Moving(current) != Moving(desired))
        {
            return Moving(desired) ? Trigger.Started : Trigger.Stopped;
        }

        if (current == State.Halted)
        {
            return Trigger.LevelReached;
        }

        if (desired == State.Halted)
        {
            return Trigger.LevelLost;
        }

        return Open(desired) ? Trigger.DoorOpened : Trigger.DoorClosed;
    }

    private void TrackTerminals()
    {
        var floor = _signals.Floor;
        _levelAtTop = floor == _options.TopFloor && (_levelAtTop || _signals.DoorZone);
        _levelAtBottom = floor == _options.BottomFloor && (_levelAtBottom || _signals.DoorZone);
    }

    private void CountDoorOpening(long now)
    {
        _doorOpenings.Enqueue(now);
        PruneDoorOpenings(now);
        if (!_doorFaultActive && _doorOpenings.Count >= _options.DoorFaultCycles)
        {
            _doorFaultActive = true;
            Emit(AlertKinds.DoorFault, AlertSeverity.Major, AlertState.Raised, now, ("cycles", _doorOpenings.Count.ToString(CultureInfo.InvariantCulture)));
        }
    }

    private void PruneDoorOpenings(long now)
    {
        while (_doorOpenings.Count > 0 && _doorOpenings.Peek() <= now - _options.DoorFaultWindow.Ticks)
        {
            _doorOpenings.Dequeue();
        }
    }

    /// <summary>Evaluates every timer that fell due up to <paramref name="now"/>, each at its own due time, with the signals held since.</summary>
    private void AdvanceTo(long now)
    {
        while (true)
        {
            var due = NextDue();
            if (due > now)
            {
                break;
            }

            Evaluate(due);
        }

        if (!OverspeedArmed && _nextSampleTicks <= now)
        {
            // Nothing to count: skip the idle samples instead of walking through them.
            var behind = (now - _nextSampleTicks) / _sampleTicks + 1;
            _nextSampleTicks += behind * _sampleTicks;
        }
    }

    private bool OverspeedArmed => _overspeedActive || _overspeedSamples.Count > 0 || OverLimit;

    private bool OverLimit => Math.Abs(_signals.SpeedMps) > _options.RatedSpeedMps * _options.OverspeedFactor;

    private long NextDue()
    {
        var due = long.MaxValue;
        foreach (var rule in _timedRules)
        {
            due = Math.Min(due, rule.DueTicks);
        }

        if (OverspeedArmed)
        {
            due = Math.Min(due, _nextSampleTicks);
        }

        if (_doorFaultActive && _doorOpenings.Count > 0)
        {
            due = Math.Min(due, _doorOpenings.Max() + _options.DoorFaultWindow.Ticks);
        }

        due = Math.Min(due, _ebike.DueTicks(_lastEvaluatedTicks));
        if (!_maintenanceActive)
        {
            due = Math.Min(due, _maintenanceBaseTicks + _options.MaintenanceInterval.Ticks);
        }

        if (!_inspectionActive && InspectionOverdueFromTicks is { } inspection)
        {
            due = Math.Min(due, inspection);
        }

        return due;
    }

    private long? InspectionOverdueFromTicks =>
        _options.InspectionDue is { } due ? new DateTimeOffset(due.UtcDateTime.Date, TimeSpan.Zero).AddDays(1).UtcTicks : null;

    /// <summary>Checks every rule at time <paramref name="at"/> against the held signals.</summary>
    private void Evaluate(long at)
    {
        _lastEvaluatedTicks = at;
        foreach (var rule in _timedRules)
        {
            if (rule.ShouldClear())
            {
                rule.Active = false;
                Emit(rule.Kind, rule.Severity, AlertState.Cleared, at);
            }

            rule.Rearm(at);
            if (rule.ShouldRaise(at))
            {
                rule.Active = true;
                if (rule == _trapped)
                {
                    Emit(rule.Kind, rule.Severity, AlertState.Raised, at, ("between_floors", _signals.DoorZone ? "false" : "true"));
                }
                else
                {
                    Emit(rule.Kind, rule.Severity, AlertState.Raised, at);
                }
            }
        }

        EvaluateOverspeed(at);
        if (_doorFaultActive)
        {
            PruneDoorOpenings(at);
            if (_doorOpenings.Count == 0)
            {
                _doorFaultActive = false;
                Emit(AlertKinds.DoorFault, AlertSeverity.Major, AlertState.Cleared, at);
            }
        }

        if (_ebike.ShouldRaise(at))
        {
            _ebike.Active = true;
            Emit(AlertKinds.EbikeInCar, AlertSeverity.Warning, AlertState.Raised, at, ("source", "car_camera"));
        }
        else if (_ebike.ShouldClear(at))
        {
            _ebike.Active = false;
            Emit(AlertKinds.EbikeInCar, AlertSeverity.Warning, AlertState.Cleared, at);
        }

        EvaluateCalendar(at);
    }

    private void EvaluateOverspeed(long at)
    {
        while (_nextSampleTicks <= at && OverspeedArmed)
        {
            var sampleAt = _nextSampleTicks;
            _nextSampleTicks += _sampleTicks;
            if (OverLimit)
            {
                _overspeedSamples.Enqueue(sampleAt);
            }

            while (_overspeedSamples.Count > 0 && _overspeedSamples.Peek() <= sampleAt - _options.OverspeedWindow.Ticks)
            {
                _overspeedSamples.Dequeue();
            }

            if (!_overspeedActive && _overspeedSamples.Count >= _options.OverspeedSamples)
            {
                _overspeedActive = true;
                Emit(AlertKinds.Overspeed, AlertSeverity.Critical, AlertState.Raised, sampleAt,
                    ("speed_mps", _signals.SpeedMps.ToString("0.00", CultureInfo.InvariantCulture)));
            }
            else if (_overspeedActive && _overspeedSamples.Count == 0)
            {
                _overspeedActive = false;
                Emit(AlertKinds.Overspeed, AlertSeverity.Critical, AlertState.Cleared, sampleAt);
            }
        }
    }

    private void EvaluateCalendar(long at)
    {
        var maintenanceOverdue = at >= _maintenanceBaseTicks + _options.MaintenanceInterval.Ticks;
        if (maintenanceOverdue != _maintenanceActive)
        {
            _maintenanceActive = maintenanceOverdue;
            var last = LastMaintenance?.ToString("O", CultureInfo.InvariantCulture) ?? "never";
            Emit(AlertKinds.MaintenanceOverdue, AlertSeverity.Warning, maintenanceOverdue ? AlertState.Raised : AlertState.Cleared, at,
                ("last_checkin", last));
        }

        var inspectionOverdue = InspectionOverdueFromTicks is { } from && at >= from;
        if (inspectionOverdue != _inspectionActive)
        {
            _inspectionActive = inspectionOverdue;
            Emit(AlertKinds.InspectionOverdue, AlertSeverity.Warning, inspectionOverdue ? AlertState.Raised : AlertState.Cleared, at,
                ("due", _options.InspectionDue!.Value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)));
        }
    }

    private void Emit(string kind, AlertSeverity severity, AlertState state, long at, params (string Key, string Value)[] extra)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["floor"] = _signals.Floor.ToString(CultureInfo.InvariantCulture),
            ["car"] = _options.CarId,
        };
        foreach (var (key, value) in extra)
        {
            attributes[key] = value;
        }

        _statusDirty = true;
        _changes.Enqueue(new FaultChange(new DateTimeOffset(at, TimeSpan.Zero), new AlertDraft(kind, severity, state, attributes)));
    }
}
