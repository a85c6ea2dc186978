namespace EdgeGateway.Elevator.Hardware;

/// <summary>One wired input: BCM pin, whether the active state pulls it low, debounce, optional hold.</summary>
/// <param name="Pin">BCM GPIO number.</param>
/// <param name="ActiveLow">True when the active state reads as a low level (contact to ground, pull-up on).</param>
/// <param name="Debounce">The level must be stable this long before it is believed.</param>
/// <param name="Hold">An active reading is held this long (a PIR that blinks out while someone stands still).</param>
public sealed record InputPin(int Pin, bool ActiveLow, TimeSpan Debounce, TimeSpan Hold);

/// <summary>One driven output.</summary>
public sealed record OutputPin(int Pin, bool ActiveLow);

/// <summary>An I2C chip on the board: which binding and at which 7-bit address.</summary>
public sealed record I2cChip(string Chip, int Address);

/// <summary>
/// A board's pin map (hardware/profiles/*.json): every elevator input and output, and the I2C
/// sensors. Loaded and checked by <see cref="BoardProfileLoader"/>.
/// </summary>
public sealed record BoardProfile(
    string Board,
    IReadOnlyDictionary<string, InputPin> Inputs,
    IReadOnlyDictionary<string, OutputPin> Outputs,
    int I2cBus,
    I2cChip Accelerometer,
    I2cChip Barometer)
{
    /// <summary>The gpiochip the header's lines live on (0 on a Pi 4; 0 on a Pi 5 with kernel 6.6.45+, 4 before).</summary>
    public int GpioChip { get; init; }

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

    public static IReadOnlyList<string> RequiredInputs { get; } =
        [DoorClosed, DoorZone, SafetyCircuit, DoorLock, AlarmButton, Presence, MainsPower, InspectionMode, FireMode, CallButton];

    /// <summary>Inputs only some controllers expose; without them door_open_failure and door_close_failure cannot fire.</summary>
    public static IReadOnlyList<string> OptionalInputs { get; } = [DoorOpenCmd, DoorCloseCmd];

    /// <summary>True when the board wires both door commands.</summary>
    public bool HasDoorCommands => Inputs.ContainsKey(DoorOpenCmd) && Inputs.ContainsKey(DoorCloseCmd);

    public static IReadOnlyList<string> RequiredOutputs { get; } = [DoorHoldRelay, VoiceTrigger];
}
