using System.Device.Gpio;
using EdgeGateway.Elevator.Machine;

namespace EdgeGateway.Elevator.Hardware;

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
    private readonly ElevatorSignal[] _signals;

    public ElevatorInputs(GpioController gpio, BoardProfile profile, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(gpio);
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(time);
        _gpio = gpio;
        _time = time;
        _signals = [.. ElevatorSignals.Inputs.Where(s => profile.Inputs.ContainsKey(s.Name))];
        _inputs = [.. _signals.Select(s => new DebouncedInput(profile.Inputs[s.Name]))];
        foreach (var input in _inputs)
        {
            var mode = input.Pin.ActiveLow && gpio.IsPinModeSupported(input.Pin.Pin, PinMode.InputPullUp) ? PinMode.InputPullUp : PinMode.Input;
            if (!gpio.IsPinOpen(input.Pin.Pin))
            {
                gpio.OpenPin(input.Pin.Pin, mode);
            }
        }
    }

    /// <summary>The debounced level of every wired input; a door command the board lacks stays null.</summary>
    public SignalUpdate Read()
    {
        var now = _time.GetUtcNow().UtcTicks;
        var update = new SignalUpdate();
        for (var i = 0; i < _inputs.Length; i++)
        {
            var input = _inputs[i];
            var high = _gpio.Read(input.Pin.Pin) == PinValue.High;
            _signals[i].Set(ref update, input.Update(high != input.Pin.ActiveLow, now));
        }

        return update;
    }
}
