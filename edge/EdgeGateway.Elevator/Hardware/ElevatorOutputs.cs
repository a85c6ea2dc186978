using System.Device.Gpio;
using EdgeGateway.Elevator.Machine;

namespace EdgeGateway.Elevator.Hardware;

/// <summary>The box's outputs: the door-hold relay and the voice-prompt (or buzzer) trigger.</summary>
public interface IElevatorOutputs
{
    void SetDoorHold(bool hold);

    void SetVoicePrompt(bool active);
}

/// <summary>Drives the outputs on GPIO pins from the board profile; both start inactive.</summary>
public sealed class GpioElevatorOutputs : IElevatorOutputs
{
    private readonly GpioController _gpio;
    private readonly OutputPin _doorHold;
    private readonly OutputPin _voice;
    private readonly Lock _gate = new();

    public GpioElevatorOutputs(GpioController gpio, BoardProfile profile)
    {
        ArgumentNullException.ThrowIfNull(gpio);
        ArgumentNullException.ThrowIfNull(profile);
        _gpio = gpio;
        _doorHold = profile.Outputs[ElevatorSignals.DoorHoldRelay];
        _voice = profile.Outputs[ElevatorSignals.VoiceTrigger];
        foreach (var pin in new[] { _doorHold, _voice })
        {
            if (!gpio.IsPinOpen(pin.Pin))
            {
                gpio.OpenPin(pin.Pin, PinMode.Output);
            }

            Drive(pin, false);
        }
    }

    public void SetDoorHold(bool hold) => Drive(_doorHold, hold);

    public void SetVoicePrompt(bool active) => Drive(_voice, active);

    private void Drive(OutputPin pin, bool active)
    {
        lock (_gate)
        {
            _gpio.Write(pin.Pin, active != pin.ActiveLow ? PinValue.High : PinValue.Low);
        }
    }
}
