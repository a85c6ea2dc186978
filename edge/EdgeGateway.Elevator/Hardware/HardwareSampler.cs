using EdgeGateway.Elevator.Machine;

namespace EdgeGateway.Elevator.Hardware;

/// <summary>
/// One sample of the whole box: debounced inputs plus fused motion, as a <see cref="SignalUpdate"/>
/// for the fault machine, with the horizontal vibration RMS. Called from one loop at <see cref="ElevatorOptions.SampleInterval"/>.
/// </summary>
public sealed class HardwareSampler(
    ElevatorInputs inputs, MotionSensors sensors, SensorFusion fusion, TimeProvider time, FloorMemory? floorMemory = null, VibrationMeter? vibration = null)
{
    private readonly DateTimeOffset _start = time.GetUtcNow();
    private readonly VibrationMeter _vibration = vibration ?? new VibrationMeter(TimeSpan.FromSeconds(1));
    private int _rezeroes;

    public CarMotion LastMotion { get; private set; }

    public SignalUpdate LastInputs { get; private set; }

    public SignalUpdate Sample()
    {
        var input = inputs.Read();
        var t = (time.GetUtcNow() - _start).TotalSeconds;
        var reading = sensors.Read();
        var motion = fusion.Update(t, reading, input.DoorZone is true);
        var vibration = _vibration.Add(t, reading.XMps2, reading.YMps2);
        LastInputs = input;
        LastMotion = motion;
        if (fusion.Rezeroes != _rezeroes)
        {
            _rezeroes = fusion.Rezeroes;
            floorMemory?.Save(motion.Floor);
        }

        var update = input;
        update.VibrationMps2 = vibration;
        update.SpeedMps = motion.SpeedMps;
        update.Floor = motion.Floor;
        return update;
    }
}
