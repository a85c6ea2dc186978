using EdgeGateway.Elevator.Machine;

namespace EdgeGateway.Elevator.Hardware;

/// <summary>
/// One sample of the whole box: debounced inputs plus fused motion, as a <see cref="SignalUpdate"/>
/// for the fault machine. Called from one loop at <see cref="ElevatorOptions.SampleInterval"/>.
/// </summary>
public sealed class HardwareSampler(ElevatorInputs inputs, MotionSensors sensors, SensorFusion fusion, TimeProvider time, FloorMemory? floorMemory = null)
{
    private readonly DateTimeOffset _start = time.GetUtcNow();
    private int _rezeroes;

    public CarMotion LastMotion { get; private set; }

    public InputReading LastInputs { get; private set; }

    public SignalUpdate Sample()
    {
        var input = inputs.Read();
        var motion = fusion.Update((time.GetUtcNow() - _start).TotalSeconds, sensors.Read(), input.DoorZone);
        LastInputs = input;
        LastMotion = motion;
        if (fusion.Rezeroes != _rezeroes)
        {
            _rezeroes = fusion.Rezeroes;
            floorMemory?.Save(motion.Floor);
        }

        return new SignalUpdate
        {
            DoorClosed = input.DoorClosed,
            DoorZone = input.DoorZone,
            SafetyCircuitOk = input.SafetyCircuitOk,
            DoorLockOk = input.DoorLockOk,
            AlarmButton = input.AlarmButton,
            Presence = input.Presence,
            MainsPower = input.MainsPower,
            SpeedMps = motion.SpeedMps,
            Floor = motion.Floor,
        };
    }
}
