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


    /// <summary>The inspection (检修) switch.</summary>
    public bool? InspectionMode { get; set; }

    /// <summary>Fire service.</summary>
    public bool? FireMode { get; set; }

    /// <summary>Any car or landing call contact.</summary>
    public bool? CallButton { get; set; }

    /// <summary>The controller commands the door to open (boards that expose it).</summary>
    public bool? DoorOpenCmd { get; set; }

    /// <summary>The controller commands the door to close (boards that expose it).</summary>
    public bool? DoorCloseCmd { get; set; }

    /// <summary>Horizontal RMS acceleration over a window, m/s².</summary>
    public double? VibrationMps2 { get; set; }

    /// <summary>Signed speed, positive is up.</summary>
    public double? SpeedMps { get; set; }

    public int? Floor { get; set; }
}
