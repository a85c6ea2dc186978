namespace EdgeGateway.Elevator.Machine;

/// <summary>
/// The held value of every signal. At start: idle, level at the bottom floor, doors closed, healthy, empty,
/// in normal service.
/// </summary>
internal sealed class CarSignals(double movingThresholdMps, double overspeedMps = double.MaxValue, double lowSpeedMps = 0, double vibrationLimitMps2 = double.MaxValue)
{
    private readonly long _moving = (long)(movingThresholdMps * 1e6);

    public bool DoorClosed { get; set; } = true;

    public bool DoorZone { get; set; } = true;

    public bool SafetyCircuitOk { get; set; } = true;

    public bool DoorLockOk { get; set; } = true;

    public bool AlarmButton { get; set; }

    public bool Presence { get; set; }

    public bool MainsPower { get; set; } = true;


    public bool InspectionMode { get; set; }

    public bool FireMode { get; set; }

    public bool CallButton { get; set; }

    public bool DoorOpenCmd { get; set; }

    public bool DoorCloseCmd { get; set; }

    public double VibrationMps2 { get; set; }

    public double SpeedMps { get; private set; }

    public int Floor { get; set; }

    /// <summary>|speed| above <c>Elevator:MovingThresholdMps</c>, compared in µm/s so a reading exactly at the threshold is not moving.</summary>
    public bool Moving { get; private set; }

    /// <summary>The door contact reads open. The lock circuit is a signal (and a fault) of its own.</summary>
    public bool DoorOpen => !DoorClosed;

    /// <summary>
    /// Every fact a rule's condition reads, packed: the contacts, moving and its direction, the speed bands
    /// of overspeed and speed_anomaly, vibration above its limit, and the floor. Equal signatures mean no
    /// rule's condition changed.
    /// </summary>
    public long Signature()
    {
        var bits = (DoorClosed ? 1 : 0) | (DoorZone ? 2 : 0) | (SafetyCircuitOk ? 4 : 0) | (DoorLockOk ? 8 : 0) | (AlarmButton ? 16 : 0)
            | (Presence ? 32 : 0) | (MainsPower ? 64 : 0) | (InspectionMode ? 256 : 0) | (FireMode ? 512 : 0)
            | (CallButton ? 1024 : 0) | (DoorOpenCmd ? 2048 : 0) | (DoorCloseCmd ? 4096 : 0) | (Moving ? 8192 : 0)
            | (SpeedMps > movingThresholdMps ? 16384 : 0) | (SpeedMps < -movingThresholdMps ? 32768 : 0)
            | (Math.Abs(SpeedMps) > overspeedMps ? 65536 : 0) | (Math.Abs(SpeedMps) < lowSpeedMps ? 131072 : 0)
            | (VibrationMps2 > vibrationLimitMps2 ? 262144 : 0);
        return ((long)Floor << 32) | (uint)bits;
    }

    public void Apply(in SignalUpdate update)
    {
        DoorClosed = update.DoorClosed ?? DoorClosed;
        DoorZone = update.DoorZone ?? DoorZone;
        SafetyCircuitOk = update.SafetyCircuitOk ?? SafetyCircuitOk;
        DoorLockOk = update.DoorLockOk ?? DoorLockOk;
        AlarmButton = update.AlarmButton ?? AlarmButton;
        Presence = update.Presence ?? Presence;
        MainsPower = update.MainsPower ?? MainsPower;
        InspectionMode = update.InspectionMode ?? InspectionMode;
        FireMode = update.FireMode ?? FireMode;
        CallButton = update.CallButton ?? CallButton;
        DoorOpenCmd = update.DoorOpenCmd ?? DoorOpenCmd;
        DoorCloseCmd = update.DoorCloseCmd ?? DoorCloseCmd;
        VibrationMps2 = update.VibrationMps2 ?? VibrationMps2;
        if (update.SpeedMps is { } speed)
        {
            SpeedMps = speed;
            Moving = (long)(Math.Abs(speed) * 1e6) > _moving;
        }

        Floor = update.Floor ?? Floor;
    }

    /// <summary>Every held value as one update, to hand the signals to a machine with new settings.</summary>
    public SignalUpdate Held() => new()
    {
        DoorClosed = DoorClosed, DoorZone = DoorZone, SafetyCircuitOk = SafetyCircuitOk, DoorLockOk = DoorLockOk,
        AlarmButton = AlarmButton, Presence = Presence, MainsPower = MainsPower, InspectionMode = InspectionMode,
        FireMode = FireMode, CallButton = CallButton, DoorOpenCmd = DoorOpenCmd, DoorCloseCmd = DoorCloseCmd,
        VibrationMps2 = VibrationMps2, SpeedMps = SpeedMps, Floor = Floor,
    };

    /// <summary>Every input's held level by its <see cref="ElevatorSignals"/> name, as the page and the signal check show it.</summary>
    public Dictionary<string, bool> ToDictionary() =>
        ElevatorSignals.Inputs.ToDictionary(s => s.Name, s => s.Held(this), StringComparer.Ordinal);
}
