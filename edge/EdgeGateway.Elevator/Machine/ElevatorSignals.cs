namespace EdgeGateway.Elevator.Machine;

/// <summary>Sets one signal on a <see cref="SignalUpdate"/>.</summary>
public delegate void SignalSetter(ref SignalUpdate update, bool value);

/// <summary>
/// One wired elevator input: its name (the board profile's key, the scenario key, the page's and the
/// signal check's), whether every board must wire it, and how a reading sets it.
/// </summary>
public sealed class ElevatorSignal
{
    private readonly SignalSetter _set;
    private readonly Func<CarSignals, bool> _held;

    internal ElevatorSignal(string name, bool required, SignalSetter set, Func<CarSignals, bool> held, string? formerScenarioName = null)
    {
        Name = name;
        Required = required;
        FormerScenarioName = formerScenarioName;
        _set = set;
        _held = held;
    }

    public string Name { get; }

    /// <summary>False for the inputs only some controllers expose.</summary>
    public bool Required { get; }

    /// <summary>The spelling scenarios written for earlier versions use; still read, never written.</summary>
    public string? FormerScenarioName { get; }

    public void Set(ref SignalUpdate update, bool value) => _set(ref update, value);

    internal bool Held(CarSignals signals) => _held(signals);
}

/// <summary>
/// The one table of the elevator's signals. The board profile, the input reader, the scenario parser,
/// the car's held state, the page's signal check and the simulator all read it, so a signal added here
/// is wired, replayable and checked everywhere at once.
/// </summary>
public static class ElevatorSignals
{
    public const string DoorClosed = "door_closed";
    public const string DoorZone = "door_zone";
    public const string SafetyCircuit = "safety_circuit";
    public const string DoorLock = "door_lock";
    public const string AlarmButton = "alarm_button";
    public const string Presence = "presence";
    public const string MainsPower = "mains_power";
    public const string InspectionMode = "inspection_mode";
    public const string FireMode = "fire_mode";
    public const string CallButton = "call_button";
    public const string DoorOpenCmd = "door_open_cmd";
    public const string DoorCloseCmd = "door_close_cmd";
    public const string DoorHoldRelay = "door_hold_relay";
    public const string VoiceTrigger = "voice_trigger";

    /// <summary>Every input, required ones first, in the order the reader samples them.</summary>
    public static IReadOnlyList<ElevatorSignal> Inputs { get; } =
    [
        new(DoorClosed, true, (ref SignalUpdate u, bool v) => u.DoorClosed = v, s => s.DoorClosed),
        new(DoorZone, true, (ref SignalUpdate u, bool v) => u.DoorZone = v, s => s.DoorZone),
        new(SafetyCircuit, true, (ref SignalUpdate u, bool v) => u.SafetyCircuitOk = v, s => s.SafetyCircuitOk, "safety_circuit_ok"),
        new(DoorLock, true, (ref SignalUpdate u, bool v) => u.DoorLockOk = v, s => s.DoorLockOk, "door_lock_ok"),
        new(AlarmButton, true, (ref SignalUpdate u, bool v) => u.AlarmButton = v, s => s.AlarmButton),
        new(Presence, true, (ref SignalUpdate u, bool v) => u.Presence = v, s => s.Presence),
        new(MainsPower, true, (ref SignalUpdate u, bool v) => u.MainsPower = v, s => s.MainsPower),
        new(InspectionMode, true, (ref SignalUpdate u, bool v) => u.InspectionMode = v, s => s.InspectionMode),
        new(FireMode, true, (ref SignalUpdate u, bool v) => u.FireMode = v, s => s.FireMode),
        new(CallButton, true, (ref SignalUpdate u, bool v) => u.CallButton = v, s => s.CallButton),
        new(DoorOpenCmd, false, (ref SignalUpdate u, bool v) => u.DoorOpenCmd = v, s => s.DoorOpenCmd),
        new(DoorCloseCmd, false, (ref SignalUpdate u, bool v) => u.DoorCloseCmd = v, s => s.DoorCloseCmd),
    ];

    /// <summary>Every driven output.</summary>
    public static IReadOnlyList<string> Outputs { get; } = [DoorHoldRelay, VoiceTrigger];

    private static readonly Dictionary<string, ElevatorSignal> ByScenarioName =
        Inputs.Select(s => KeyValuePair.Create(s.Name, s))
            .Concat(Inputs.Where(s => s.FormerScenarioName is not null).Select(s => KeyValuePair.Create(s.FormerScenarioName!, s)))
            .ToDictionary(StringComparer.Ordinal);

    /// <summary>The input a scenario key names: its name, or the spelling earlier scenarios used.</summary>
    public static ElevatorSignal? FindInScenario(string key) => ByScenarioName.GetValueOrDefault(key);
}
