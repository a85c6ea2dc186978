namespace EdgeGateway.Elevator.Machine;

/// <summary>
/// Some of the car's signals, as read at one moment. A null field keeps its last value, so a
/// replay line or a sensor read need only carry what changed.
/// </summary>
public struct SignalUpdate
{
    public bool? DoorClosed { get; set; }

    public bool? DoorZone { get; set; }

    public bool? SafetyCircuitOk { get; set; }

    public bool? DoorLockOk { get; set; }

    public bool? AlarmButton { get; set; }

    public bool? Presence { get; set; }

    public bool? MainsPower { get; set; }

    public bool? EbikeSeen { get; set; }

    /// <summary>Signed speed, positive is up.</summary>
    public double? SpeedMps { get; set; }

    public int? Floor { get; set; }
}
