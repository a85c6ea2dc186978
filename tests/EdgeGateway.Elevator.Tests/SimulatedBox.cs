using System.Device.Gpio;
using EdgeGateway.Elevator.Hardware;
using EdgeGateway.Elevator.Machine;
using EdgeGateway.Simulation;
using EdgeGateway.Simulation.Physics;
using EdgeGateway.Testing;
using Microsoft.Extensions.Time.Testing;

namespace EdgeGateway.Elevator.Tests;

/// <summary>
/// The production read path over the simulator: GpioController on the simulated driver, the real
/// Mpu6050/Bmp280 bindings on the simulated chips, debounce, fusion, and the fault machine.
/// </summary>
internal sealed class SimulatedBox : IDisposable
{
    public SimulatedBox(BuildingModel? building = null, SimulationNoise? noise = null, int seed = 1, ElevatorOptions? options = null,
        FloorMemory? floorMemory = null, int? startFloor = null)
    {
        Building = building ?? new BuildingModel();
        Profile = BoardProfileLoader.Load(Path.Combine(RepoPaths.Root, "hardware", "profiles", "simulated.json"));
        Rig = new SimulatedElevatorRig(Building, PinMap(Profile), noise, seed);
        Rig.Car.PlaceAt(startFloor ?? Building.BottomFloor);
        Rig.Advance(TimeSpan.Zero);
        Time = new FakeTimeProvider(new DateTimeOffset(2026, 5, 1, 6, 0, 0, TimeSpan.Zero));
        Options = options ?? new ElevatorOptions
        {
            Floors = Building.Floors,
            BottomFloor = Building.BottomFloor,
            FloorHeightM = Building.StoreyHeightM,
            RatedSpeedMps = Building.RatedSpeedMps,
        };
        Gpio = new GpioController(Rig.Gpio);
        Inputs = new ElevatorInputs(Gpio, Profile, Time);
        Outputs = new GpioElevatorOutputs(Gpio, Profile);
        Sensors = new MotionSensors(new ElevatorI2cDevices(Rig.Accelerometer, Rig.Barometer));
        Fusion = new SensorFusion(Options, floorMemory?.Load() ?? Building.BottomFloor);
        Sampler = new HardwareSampler(Inputs, Sensors, Fusion, Time, floorMemory);
        Machine = new ElevatorFaultMachine(Options, Time);
    }

    public BuildingModel Building { get; }

    public BoardProfile Profile { get; }

    public SimulatedElevatorRig Rig { get; }

    public FakeTimeProvider Time { get; }

    public ElevatorOptions Options { get; }

    public GpioController Gpio { get; }

    public ElevatorInputs Inputs { get; }

    public GpioElevatorOutputs Outputs { get; }

    public MotionSensors Sensors { get; }

    public SensorFusion Fusion { get; }

    public HardwareSampler Sampler { get; }

    public ElevatorFaultMachine Machine { get; }

    public List<FaultChange> Changes { get; } = [];

    public TimeSpan SampleInterval { get; set; } = TimeSpan.FromMilliseconds(20);

    public double MaxSpeedSeen { get; private set; }

    public static Dictionary<string, SimulatedPin> PinMap(BoardProfile profile) =>
        profile.Inputs.ToDictionary(kv => kv.Key, kv => new SimulatedPin(kv.Value.Pin, kv.Value.ActiveLow))
            .Concat(profile.Outputs.ToDictionary(kv => kv.Key, kv => new SimulatedPin(kv.Value.Pin, kv.Value.ActiveLow)))
            .ToDictionary(kv => kv.Key, kv => kv.Value);

    public double Seconds => Rig.Now.TotalSeconds;

    /// <summary>Runs the world and the box for <paramref name="duration"/>, sampling like the service does.</summary>
    public void Run(TimeSpan duration)
    {
        var end = Rig.Now + duration;
        while (Rig.Now < end)
        {
            Step();
        }
    }

    /// <summary>Runs until the car has no more trips queued (or the limit passes).</summary>
    public void RunUntilIdle(TimeSpan limit)
    {
        var end = Rig.Now + limit;
        while (Rig.Car.Busy && Rig.Now < end)
        {
            Step();
        }
    }

    public void Step()
    {
        Rig.Advance(SampleInterval);
        Time.Advance(SampleInterval);
        var update = Sampler.Sample();
        MaxSpeedSeen = Math.Max(MaxSpeedSeen, Math.Abs(update.SpeedMps ?? 0));
        Machine.Apply(update);
        while (Machine.TryTakeChange(out var change))
        {
            Changes.Add(change);
        }
    }

    public IEnumerable<string> Raised() => Changes.Where(c => c.State == AlertState.Raised).Select(c => c.Kind);

    public void Dispose()
    {
        Sensors.Dispose();
        Gpio.Dispose();
    }
}
