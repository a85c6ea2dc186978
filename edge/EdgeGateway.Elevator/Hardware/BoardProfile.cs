using EdgeGateway.Elevator.Machine;

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

    /// <summary>The inputs every board wires, from <see cref="ElevatorSignals"/>.</summary>
    public static IReadOnlyList<string> RequiredInputs { get; } = [.. ElevatorSignals.Inputs.Where(s => s.Required).Select(s => s.Name)];

    /// <summary>Inputs only some controllers expose; without them door_open_failure and door_close_failure cannot fire.</summary>
    public static IReadOnlyList<string> OptionalInputs { get; } = [.. ElevatorSignals.Inputs.Where(s => !s.Required).Select(s => s.Name)];

    /// <summary>True when the board wires both door commands.</summary>
    public bool HasDoorCommands => Inputs.ContainsKey(ElevatorSignals.DoorOpenCmd) && Inputs.ContainsKey(ElevatorSignals.DoorCloseCmd);

    public static IReadOnlyList<string> RequiredOutputs => ElevatorSignals.Outputs;
}
