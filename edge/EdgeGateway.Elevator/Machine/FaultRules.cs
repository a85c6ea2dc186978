using System.Globalization;

namespace EdgeGateway.Elevator.Machine;

/// <summary>
/// The one registration of the car's rules, in evaluation order: the operating modes first (they
/// decide what is suppressed), then every fault. A new fault is one class (or one more
/// <see cref="SustainedRule"/>) and one line here.
/// </summary>
internal static class FaultRules
{
    /// <summary>Every kind the machine raises, in registration order.</summary>
    public static IReadOnlyList<string> Kinds { get; } =
        [.. Create(new CarSignals(new ElevatorOptions().MovingThresholdMps), new ElevatorOptions(), 0, null).Select(r => r.Kind)];

    public static List<IFaultRule> Create(CarSignals s, ElevatorOptions o, long startTicks, DateTimeOffset? lastMaintenance)
    {
        var lowSpeed = o.RatedSpeedMps * o.SpeedAnomalyLowFactor;
        var mode = o.ModeConfirm.Ticks;
        return
        [
            new SustainedRule(AlertKinds.InspectionMode, AlertSeverity.Info, () => s.InspectionMode, () => !s.InspectionMode, mode, mode),
            new SustainedRule(AlertKinds.FireMode, AlertSeverity.Major, () => s.FireMode, () => !s.FireMode, mode, mode),
            new SustainedRule(AlertKinds.Trapped, AlertSeverity.Critical,
                () => !s.Moving && !s.DoorOpen, () => s.Moving || s.DoorOpen, o.TrappedAfter.Ticks)
            {
                Gate = () => s.Presence,
                RaiseAttributes = () => [("between_floors", s.DoorZone ? "false" : "true")],
            },
            new SustainedRule(AlertKinds.StopOutsideZone, AlertSeverity.Major,
                () => !s.Moving && !s.DoorZone, () => s.DoorZone, o.StopOutsideZoneAfter.Ticks),
            new SustainedRule(AlertKinds.DoorOpenMoving, AlertSeverity.Critical,
                () => s.Moving && s.DoorOpen && !s.DoorZone, () => !s.Moving || !s.DoorOpen, o.DoorOpenMovingAfter.Ticks),
            new UnintendedMovementRule(s, o),
            new OverspeedRule(s, o, startTicks),
            new SustainedRule(AlertKinds.SpeedAnomaly, AlertSeverity.Major,
                () => s.Moving && Math.Abs(s.SpeedMps) < lowSpeed, () => !s.Moving || Math.Abs(s.SpeedMps) >= lowSpeed, o.SpeedAnomalyAfter.Ticks)
            {
                RaiseAttributes = () => [("speed_mps", s.SpeedMps.ToString("0.00", CultureInfo.InvariantCulture))],
            },
            new OvertravelRule(s, o, top: true),
            new OvertravelRule(s, o, top: false),
            new SustainedRule(AlertKinds.DoorOpenTooLong, AlertSeverity.Warning,
                () => !s.Moving && s.DoorOpen && s.DoorZone, () => !s.DoorOpen || s.Moving, o.DoorOpenTooLongAfter.Ticks),
            new DoorFaultRule(s, o),
            new SustainedRule(AlertKinds.DoorLockOpen, AlertSeverity.Major,
                () => !s.DoorLockOk && s.DoorClosed, () => s.DoorLockOk, o.DoorLockOpenConfirm.Ticks),
            new SustainedRule(AlertKinds.DoorOpenFailure, AlertSeverity.Major,
                () => s.DoorOpenCmd && s.DoorClosed, () => !s.DoorOpenCmd || !s.DoorClosed, o.DoorOpenFailureAfter.Ticks),
            new SustainedRule(AlertKinds.DoorCloseFailure, AlertSeverity.Major,
                () => s.DoorCloseCmd && !s.DoorClosed, () => !s.DoorCloseCmd || s.DoorClosed, o.DoorCloseFailureAfter.Ticks),
            new SustainedRule(AlertKinds.ButtonStuck, AlertSeverity.Warning, () => s.CallButton, () => !s.CallButton, o.ButtonStuckAfter.Ticks),
            new SustainedRule(AlertKinds.AbnormalVibration, AlertSeverity.Major,
                () => s.Moving && s.VibrationMps2 > o.VibrationLimitMps2, () => s.VibrationMps2 <= o.VibrationLimitMps2,
                o.VibrationAfter.Ticks, o.VibrationClearAfter.Ticks)
            {
                RaiseAttributes = () => [("vibration_mps2", s.VibrationMps2.ToString("0.00", CultureInfo.InvariantCulture))],
            },
            new SustainedRule(AlertKinds.SafetyCircuitOpen, AlertSeverity.Major,
                () => s.MainsPower && !s.SafetyCircuitOk, () => s.SafetyCircuitOk, o.SafetyCircuitConfirm.Ticks),
            new SustainedRule(AlertKinds.PowerLoss, AlertSeverity.Major, () => !s.MainsPower, () => s.MainsPower, o.PowerLossConfirm.Ticks),
            new SustainedRule(AlertKinds.AlarmButton, AlertSeverity.Critical, () => s.AlarmButton, () => !s.AlarmButton, o.AlarmButtonHold.Ticks),
            new MaintenanceRule(o, lastMaintenance?.UtcTicks ?? startTicks, lastMaintenance),
            new InspectionRule(o),
        ];
    }

    /// <summary>The default of <c>Elevator:SuppressedInModes</c>: every fault except those the work itself never causes.</summary>
    public static IReadOnlyList<string> DefaultSuppressedInModes { get; } =
    [
        .. Kinds.Where(k => k is not (AlertKinds.InspectionMode or AlertKinds.FireMode or AlertKinds.PowerLoss or AlertKinds.AlarmButton
            or AlertKinds.EbikeInCar or AlertKinds.MaintenanceOverdue or AlertKinds.InspectionOverdue)),
    ];
}
