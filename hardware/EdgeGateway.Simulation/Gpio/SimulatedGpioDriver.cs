using System.Device.Gpio;

namespace EdgeGateway.Simulation.Gpio;

/// <summary>
/// A GPIO chip whose input levels come from the simulated elevator, with the electrical habits
/// of real contacts: a pin with a pull-up reads high when nothing drives it, and a contact that
/// changes can bounce for a few milliseconds. Output writes are recorded for tests.
/// </summary>
public sealed class SimulatedGpioDriver : GpioDriver
{
    private readonly Dictionary<int, Func<PinValue>> _sources = [];
    private readonly Dictionary<int, PinMode> _modes = [];
    private readonly Dictionary<int, PinValue> _outputs = [];
    private readonly Dictionary<int, List<(TimeSpan At, PinValue Value)>> _outputHistory = [];
    private readonly Lock _gate = new();

    public SimulatedGpioDriver(int pinCount = 28)
    {
        PinCount = pinCount;
    }

    protected override int PinCount { get; }

    /// <summary>The simulation clock used to stamp output writes.</summary>
    public Func<TimeSpan> Clock { get; set; } = () => TimeSpan.Zero;

    /// <summary>Connects an input pin to the electrical level the simulation drives it to.</summary>
    public void Drive(int pin, Func<PinValue> level)
    {
        lock (_gate)
        {
            _sources[pin] = level;
        }
    }

    public PinValue OutputLevel(int pin)
    {
        lock (_gate)
        {
            return _outputs.GetValueOrDefault(pin, PinValue.Low);
        }
    }

    public IReadOnlyList<(TimeSpan At, PinValue Value)> OutputHistory(int pin)
    {
        lock (_gate)
        {
            return _outputHistory.TryGetValue(pin, out var list) ? [.. list] : [];
        }
    }

    public bool IsOpen(int pin)
    {
        lock (_gate)
        {
            return _modes.ContainsKey(pin);
        }
    }

    protected override void OpenPin(int pinNumber)
    {
        CheckPin(pinNumber);
        lock (_gate)
        {
            _modes.TryAdd(pinNumber, PinMode.Input);
        }
    }

    protected override void ClosePin(int pinNumber)
    {
        lock (_gate)
        {
            _modes.Remove(pinNumber);
        }
    }

    protected override void SetPinMode(int pinNumber, PinMode mode)
    {
        CheckPin(pinNumber);
        lock (_gate)
        {
            _modes[pinNumber] = mode;
        }
    }

    protected override PinMode GetPinMode(int pinNumber)
    {
        lock (_gate)
        {
            return _modes.TryGetValue(pinNumber, out var mode) ? mode : PinMode.Input;
        }
    }

    protected override bool IsPinModeSupported(int pinNumber, PinMode mode) =>
        mode is PinMode.Input or PinMode.InputPullUp or PinMode.InputPullDown or PinMode.Output;

    protected override PinValue Read(int pinNumber)
    {
        CheckPin(pinNumber);
        Func<PinValue>? source;
        PinMode mode;
        lock (_gate)
        {
            mode = _modes.TryGetValue(pinNumber, out var m) ? m : PinMode.Input;
            if (mode == PinMode.Output)
            {
                return _outputs.GetValueOrDefault(pinNumber, PinValue.Low);
            }

            _sources.TryGetValue(pinNumber, out source);
        }

        // The source takes the simulation's own lock, and the simulation reads outputs under it:
        // calling it outside ours keeps a single lock order and so cannot deadlock.
        if (source is not null)
        {
            return source();
        }

        // Floating input: the pull resistor decides.
        return mode == PinMode.InputPullUp ? PinValue.High : PinValue.Low;
    }

    protected override void Write(int pinNumber, PinValue value)
    {
        CheckPin(pinNumber);
        lock (_gate)
        {
            _outputs[pinNumber] = value;
            if (!_outputHistory.TryGetValue(pinNumber, out var list))
            {
                _outputHistory[pinNumber] = list = [];
            }

            list.Add((Clock(), value));
        }
    }

    protected override WaitForEventResult WaitForEvent(int pinNumber, PinEventTypes eventTypes, CancellationToken cancellationToken) =>
        throw new NotSupportedException("the elevator inputs are polled; the simulator raises no pin events");

    protected override void AddCallbackForPinValueChangedEvent(int pinNumber, PinEventTypes eventTypes, PinChangeEventHandler callback) =>
        throw new NotSupportedException("the elevator inputs are polled; the simulator raises no pin events");

    protected override void RemoveCallbackForPinValueChangedEvent(int pinNumber, PinChangeEventHandler callback)
    {
    }

    private void CheckPin(int pinNumber)
    {
        if (pinNumber < 0 || pinNumber >= PinCount)
        {
            throw new ArgumentOutOfRangeException(nameof(pinNumber), pinNumber, $"the simulated chip has pins 0..{PinCount - 1}");
        }
    }
}
