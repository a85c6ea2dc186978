namespace EdgeGateway.Contracts;

/// <summary>Alert kind codes the platform understands. Kinds are strings, so vendors may add more.</summary>
public static class AlertKinds
{
    // Kitchen
    public const string NoMask = "no_mask";
    public const string NoHat = "no_hat";
    public const string AnimalInKitchen = "animal_in_kitchen";
    public const string Rat = "rat";
    public const string BinUncovered = "bin_uncovered";
    public const string PersonAfterHours = "person_after_hours";
    public const string Smoking = "smoking";

    // Elevator
    public const string Trapped = "trapped";
    public const string StopOutsideZone = "stop_outside_zone";
    public const string DoorOpenMoving = "door_open_moving";
    public const string Overspeed = "overspeed";
    public const string OvertravelTop = "overtravel_top";
    public const string OvertravelBottom = "overtravel_bottom";
    public const string DoorOpenTooLong = "door_open_too_long";
    public const string DoorFault = "door_fault";
    public const string SafetyCircuitOpen = "safety_circuit_open";
    public const string PowerLoss = "power_loss";
    public const string AlarmButton = "alarm_button";
    public const string EbikeInCar = "ebike_in_car";
    public const string MaintenanceOverdue = "maintenance_overdue";
    public const string InspectionOverdue = "inspection_overdue";
    public const string DoorLockOpen = "door_lock_open";
    public const string DoorOpenFailure = "door_open_failure";
    public const string DoorCloseFailure = "door_close_failure";
    public const string ButtonStuck = "button_stuck";
    public const string UnintendedMovement = "unintended_movement";
    public const string AbnormalVibration = "abnormal_vibration";
    public const string SpeedAnomaly = "speed_anomaly";

    // Elevator operating modes: raised while the switch is on, cleared when it is off again.
    public const string InspectionMode = "inspection_mode";
    public const string FireMode = "fire_mode";

    // Supervision (made by the relay, not the box)

    /// <summary>A case's rectification deadline passed; attributes <c>case</c>, <c>violation</c> and <c>deadline</c>.</summary>
    public const string RectificationOverdue = "rectification_overdue";

    // Gateway itself
    public const string OutboxEvicted = "outbox_evicted";
    public const string OutboxQuarantined = "outbox_quarantined";
    public const string OutboxDeadLetter = "outbox_dead_letter";
    public const string StorageFull = "storage_full";
    public const string Test = "test";
}
