using System.Device.Gpio;
using System.Numerics;
using EdgeGateway.Elevator.Machine;
using EdgeGateway.Simulation.Chips;
using EdgeGateway.Simulation.Gpio;
using EdgeGateway.Simulation.Physics;

namespace EdgeGateway.Simulation;

/// <summary>
/// The whole simulated installation: an elevator car (<see cref="ElevatorPhysics"/>) wired to a
/// simulated GPIO chip and two I2C chips, with sensor noise and contact bounce. Production code
/// talks to <see cref="Gpio"/>, <see cref="Accelerometer"/> and <see cref="Barometer"/> through the
/// same System.Device.Gpio and Iot.Device.Bindings classes it uses on a real board.
/// </summary>
public sealed class SimulatedElevatorRig
{
    private const double StandardGravity = 9.807;
    private static readonly TimeSpan PhysicsStep = TimeSpan.FromMilliseconds(5);
    private readonly SimulationNoise _noise;
    private readonly Random _random;
    private readonly Dictionary<string, Contact> _contacts = new(StringComparer.Ordinal);
    private readonly SimulatedPin? _doorHoldPin;
    private readonly Lock _gate = new();
    private double _weatherPa;

    public SimulatedElevatorRig(BuildingModel building, IReadOnlyDictionary<string, SimulatedPin> pins, SimulationNoise? noise = null, int seed = 1)
    {
        ArgumentNullException.ThrowIfNull(building);
        ArgumentNullException.ThrowIfNull(pins);
        _noise = noise ?? SimulationNoise.Field;
        _random = new Random(seed);
        Car = new ElevatorPhysics(building);
        Car.PlaceAt(building.BottomFloor);
        Gpio = new SimulatedGpioDriver { Clock = () => Now };

        var truths = Truths();
        foreach (var (name, pin) in pins)
        {
            if (truths.TryGetValue(name, out var source))
            {
                var contact = new Contact(this, pin, source, bounces: name is not (ElevatorSignals.Presence or ElevatorSignals.MainsPower or ElevatorSignals.DoorOpenCmd or ElevatorSignals.DoorCloseCmd), dropsOut: name == ElevatorSignals.Presence);
                _contacts[name] = contact;
                Gpio.Drive(pin.Pin, contact.Level);
            }
            else if (!ElevatorSignals.Outputs.Contains(name))
            {
                throw new ArgumentException($"pin \"{name}\" is not an elevator signal; expected one of {string.Join(", ", ElevatorSignals.Inputs.Select(s => s.Name).Concat(ElevatorSignals.Outputs))}", nameof(pins));
            }
        }

        _doorHoldPin = pins.GetValueOrDefault(ElevatorSignals.DoorHoldRelay);
        UpdateChips();
    }

    public ElevatorPhysics Car { get; }

    public SimulatedGpioDriver Gpio { get; }

    public SimulatedMpu6050 Accelerometer { get; } = new();

    public SimulatedBmp280 Barometer { get; } = new();

    public TimeSpan Now { get; private set; }

    /// <summary>The inputs the rig drives: every input of <see cref="ElevatorSignals"/> it has a truth for.</summary>
    public IReadOnlyCollection<string> DrivenInputs => _contacts.Keys;

    /// <summary>Outdoor pressure at the bottom landing, drifting with the weather.</summary>
    public double WeatherPressurePa => 101_325 + _weatherPa;

    /// <summary>Moves the simulation forward; the chips then hold readings for the new moment.</summary>
    public void Advance(TimeSpan duration)
    {
        lock (_gate)
        {
            AdvanceLocked(duration);
        }
    }

    private void AdvanceLocked(TimeSpan duration)
    {
        var end = Now + duration;
        while (Now < end)
        {
            var step = end - Now < PhysicsStep ? end - Now : PhysicsStep;
            if (_doorHoldPin is not null)
            {
                var level = Gpio.OutputLevel(_doorHoldPin.Pin);
                Car.DoorHold = (level == PinValue.High) != _doorHoldPin.ActiveLow;
            }

            Car.Step(step);
            Now += step;
            NoteChanges();
            _weatherPa += Gaussian() * _noise.WeatherDriftPaPerMinute * Math.Sqrt(step.TotalMinutes);
        }

        UpdateChips();
    }

    private void NoteChanges()
    {
        foreach (var contact in _contacts.Values)
        {
            var truth = contact.Truth();
            if (truth != contact.LastTruth)
            {
                contact.LastTruth = truth;
                contact.ChangedAt = Now;
            }
        }
    }

    private void UpdateChips()
    {
        var spike = _random.NextDouble() < _noise.AccelerationSpikeProbability ? (_random.NextDouble() - 0.5) * 2 * _noise.AccelerationSpikeMps2 : 0;
        var vertical = StandardGravity + Car.AccelerationMps2 + Gaussian() * _noise.AccelerationSigmaMps2 + spike;

        // Guide-shoe shake while the car moves: a horizontal RMS of VibrationMps2, split over both axes.
        var shake = Car.VelocityMps != 0 ? Car.VibrationMps2 / Math.Sqrt(2) : 0;
        Accelerometer.SetAcceleration(new Vector3(
            (float)(Gaussian() * Math.Sqrt((_noise.AccelerationSigmaMps2 * _noise.AccelerationSigmaMps2) + (shake * shake))),
            (float)(Gaussian() * Math.Sqrt((_noise.AccelerationSigmaMps2 * _noise.AccelerationSigmaMps2) + (shake * shake))),
            (float)vertical));

        var altitude = Car.Building.SiteElevationM + Car.PositionM;
        var pressure = WeatherPressurePa * Math.Pow(1 - (2.25577e-5 * altitude), 5.25588) + Gaussian() * _noise.PressureSigmaPa;
        Barometer.SetEnvironment(pressure, 24 + Gaussian() * 0.05);
    }

    /// <summary>What each input of <see cref="ElevatorSignals"/> reads from the car, before bounce and noise.</summary>
    private Dictionary<string, Func<bool>> Truths() => new(StringComparer.Ordinal)
    {
        [ElevatorSignals.DoorClosed] = () => Car.DoorClosed,
        [ElevatorSignals.DoorZone] = () => Car.InDoorZone,
        [ElevatorSignals.SafetyCircuit] = () => Car.SafetyCircuitClosed && Car.MainsPower,
        [ElevatorSignals.DoorLock] = () => Car.DoorPosition < 0.02 && !Car.LockCircuitFault,
        [ElevatorSignals.AlarmButton] = () => Car.AlarmPressed,
        [ElevatorSignals.Presence] = () => Car.Passengers > 0,
        [ElevatorSignals.MainsPower] = () => Car.MainsPower,
        [ElevatorSignals.InspectionMode] = () => Car.InspectionSwitch,
        [ElevatorSignals.FireMode] = () => Car.FireService,
        [ElevatorSignals.CallButton] = () => Car.CallButtonPressed,
        [ElevatorSignals.DoorOpenCmd] = () => Car.DoorOpenCommand,
        [ElevatorSignals.DoorCloseCmd] = () => Car.DoorCloseCommand,
    };

    private double Gaussian()
    {
        var u1 = 1.0 - _random.NextDouble();
        var u2 = _random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>One wired input: the truth, then bounce and interference, then the electrical level.</summary>
    private sealed class Contact(SimulatedElevatorRig rig, SimulatedPin pin, Func<bool> truth, bool bounces, bool dropsOut)
    {
        public TimeSpan ChangedAt { get; set; } = TimeSpan.MinValue;

        public bool LastTruth { get; set; } = truth();

        public bool Truth() => truth();

        public PinValue Level()
        {
            lock (rig._gate)
            {
                return LevelLocked();
            }
        }

        private PinValue LevelLocked()
        {
            var active = truth();
            var noise = rig._noise;
            if (bounces && ChangedAt != TimeSpan.MinValue && rig.Now - ChangedAt < noise.ContactBounce)
            {
                active = rig._random.Next(2) == 0;
            }
            else if (bounces && rig._random.NextDouble() < noise.GlitchProbability)
            {
                active = !active;
            }
            else if (dropsOut && active && rig._random.NextDouble() < noise.PresenceDropoutProbability)
            {
                // A PIR or radar misses a passenger standing still now and then.
                active = false;
            }

            return active != pin.ActiveLow ? PinValue.High : PinValue.Low;
        }
    }
}
