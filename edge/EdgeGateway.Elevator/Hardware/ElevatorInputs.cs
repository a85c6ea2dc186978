using System.Device.Gpio;

namespace EdgeGateway.Elevator.Hardware;

/// <summary>The debounced logical state of every wired input at one moment; a door command the board lacks is null.</summary>
public readonly record struct InputReading(
    bool DoorClosed,
    bool DoorZone,
    bool SafetyCircuitOk,
    bool DoorLockOk,
    bool AlarmButton,
    bool Presence,
    bool MainsPower)
{
    public bool InspectionMode { get; init; }

    public bool FireMode { get; init; }

    public bool CallButton { get; init; }

    public bool? DoorOpenCmd { get; init; }

    public bool? DoorCloseCmd { get; init; }
}

/// <summary>
/// Reads the elevator's digital inputs through an injected <see cref="GpioController"/> (a real
/// board's driver or the simulator's), per the board profile: pull-up for active-low contacts,
/// debounce and hold per input. The optional door commands are read when the board wires them.
/// </summary>
public sealed class ElevatorInputs
{
    private readonly GpioController _gpio;
    private readonly TimeProvider _time;
    private readonly DebouncedInput[] _inputs;
    private readonly int _doorOpenCmd;
    private readonly int _doorCloseCmd;

    public ElevatorInputs(GpioController gpio, BoardProfile profile, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(gpio);
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(time);
        _gpio = gpio;
        _time = time;
        var names = BoardProfile.RequiredInputs.Concat(BoardProfile.OptionalInputs.Where(profile.Inputs.ContainsKey)).ToList();
        _inputs = [.. names.Select(name => new DebouncedInput(profile.Inputs[name]))];
        _doorOpenCmd = names.IndexOf(BoardProfile.DoorOpenCmd);
        _doorCloseCmd = names.IndexOf(BoardProfile.DoorCloseCmd);
        foreach (var input in _inputs)
        {
            var mode = input.Pin.ActiveLow && gpio.IsPinModeSupported(input.Pin.Pin, PinMode.InputPullUp) ? PinMode.InputPullUp : PinMode.Input;
            if (!gpio.IsPinOpen(input.Pin.Pin))
            {
                gpio.OpenPin(input.Pin.Pin, mode);
            }
        }
    }

    public InputReading Read()
    {
        var now = _time.GetUtcNow().UtcTicks;
        Span<bool> values = stackalloc bool[_inputs.Length];
        for (var i = 0; i < _inputs.Length; i++)
        {
            var input = _inputs[i];
            var high = _gpio.Read(input.Pin.Pin) == PinValue.High;
            values[i] = input.Update(high != input.Pin.ActiveLow, now);
        }

        // Same order as BoardProfile.RequiredInputs, then the optional inputs the board has.
        return new InputReading(values[0], values[1], values[2], values[3], values[4], values[5], values[6])
        {
            InspectionMode = values[7],
            FireMode = values[8],
            CallButton = values[9],
            DoorOpenCmd = _doorOpenCmd >= 0 ? values[_doorOpenCmd] : null,
            DoorCloseCmd = _doorCloseCmd >= 0 ? values[_doorCloseCmd] : null,
        };
    }
}
