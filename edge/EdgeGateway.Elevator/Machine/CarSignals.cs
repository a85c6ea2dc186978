namespace EdgeGateway.Elevator.Machine;

/// <summary>The held value of every signal. At start: idle, level at the bottom floor, doors closed, healthy, empty.</summary>
internal sealed class CarSignals
{
    public bool DoorClosed { get; set; } = true;

    public bool DoorZone { get; set; } = true;

    public bool SafetyCircuitOk { get; set; } = true;

    public bool DoorLockOk { get; set; } = true;

    public bool AlarmButton { get; set; }

    public bool Presence { get; set; }

    public bool MainsPower { get; set; } = true;

    public bool EbikeSeen { get; set; }

    public double SpeedMps { get; set; }

    public int Floor { get; set; }

    public bool DoorOpen => !DoorClosed || !DoorLockOk;

    public void Apply(in SignalUpdate update)
    {
        DoorClosed = update.DoorClosed ?? DoorClosed;
        DoorZone = update.DoorZone ?? DoorZone;
        SafetyCircuitOk = update.SafetyCircuitOk ?? SafetyCircuitOk;
        DoorLockOk = update.DoorLockOk ?? DoorLockOk;
        AlarmButton = update.AlarmButton ?? AlarmButton;
        Presence = update.Presence ?? Presence;
        MainsPower = update.MainsPower ?? MainsPower;
        EbikeSeen = update.EbikeSeen ?? EbikeSeen;
        SpeedMps = update.SpeedMps ?? SpeedMps;
        Floor = update.Floor ?? Floor;
    }

    public Dictionary<string, bool> ToDictionary() => new(StringComparer.Ordinal)
    {
        ["door_closed"] = DoorClosed,
        ["door_zone"] = DoorZone,
        ["safety_circuit_ok"] = SafetyCircuitOk,
        ["door_lock_ok"] = DoorLockOk,
        ["alarm_button"] = AlarmButton,
        ["presence"] = Presence,
        ["mains_power"] = MainsPower,
        ["ebike_seen"] = EbikeSeen,
    };
}
