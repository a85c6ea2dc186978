namespace EdgeGateway.Elevator;

/// <summary>
/// The building and every timing of the fault rules (section <c>Elevator</c>). Defaults are the
/// field practice from DOMAIN.md; all of them can be overridden per site and per replay scenario.
/// </summary>
public sealed class ElevatorOptions
{
    public const string SectionName = "Elevator";

    /// <summary>Name of the car, used in logs and status.</summary>
    public string CarId { get; set; } = "car-1";

    /// <summary>Number of served floors.</summary>
    public int Floors { get; set; } = 10;

    /// <summary>The lowest floor number (may be negative for basements).</summary>
    public int BottomFloor { get; set; } = 1;

    /// <summary>Storey height used by the barometric floor estimate when <see cref="FloorHeightsM"/> is empty.</summary>
    public double FloorHeightM { get; set; } = 3.0;

    /// <summary>Optional height of each floor above the bottom floor, bottom first.</summary>
    public IList<double> FloorHeightsM { get; } = [];

    public double RatedSpeedMps { get; set; } = 1.5;

    /// <summary>Speed magnitude above which the car counts as moving.</summary>
    public double MovingThresholdMps { get; set; } = 0.1;

    public TimeSpan TrappedAfter { get; set; } = TimeSpan.FromSeconds(90);

    public TimeSpan StopOutsideZoneAfter { get; set; } = TimeSpan.FromSeconds(60);

    public TimeSpan DoorOpenMovingAfter { get; set; } = TimeSpan.FromSeconds(0.6);

    /// <summary>Over-speed limit as a factor of the rated speed (1.15 = rated + 15 %).</summary>
    public double OverspeedFactor { get; set; } = 1.15;

    public int OverspeedSamples { get; set; } = 6;

    public TimeSpan OverspeedWindow { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the speed is sampled for the over-speed rule.</summary>
    public TimeSpan OverspeedSampleInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long an over-travel condition must hold (rejects a single bad reading).</summary>
    public TimeSpan OvertravelConfirm { get; set; } = TimeSpan.FromSeconds(0.2);

    public TimeSpan DoorOpenTooLongAfter { get; set; } = TimeSpan.FromMinutes(3);

    public int DoorFaultCycles { get; set; } = 6;

    public TimeSpan DoorFaultWindow { get; set; } = TimeSpan.FromMinutes(2);

    public TimeSpan SafetyCircuitConfirm { get; set; } = TimeSpan.FromSeconds(0.2);

    public TimeSpan PowerLossConfirm { get; set; } = TimeSpan.FromSeconds(0.2);

    public TimeSpan AlarmButtonHold { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>door_lock_open: the lock circuit open while the door contact reads closed, for this long.</summary>
    public TimeSpan DoorLockOpenConfirm { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>door_open_failure: the open command held with the door still closed, for this long.</summary>
    public TimeSpan DoorOpenFailureAfter { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>door_close_failure: the close command held with the door still open, for this long.</summary>
    public TimeSpan DoorCloseFailureAfter { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>button_stuck: a call contact held continuously for this long.</summary>
    public TimeSpan ButtonStuckAfter { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>unintended_movement: travel with the door open, after a stop at a landing, beyond this many metres.</summary>
    public double UnintendedMovementM { get; set; } = 0.3;

    /// <summary>abnormal_vibration: horizontal RMS acceleration limit while moving.</summary>
    public double VibrationLimitMps2 { get; set; } = 0.6;

    public TimeSpan VibrationAfter { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan VibrationClearAfter { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The window over which the live horizontal RMS (<c>vibration_mps2</c>) is computed from the MPU-6050.</summary>
    public TimeSpan VibrationWindow { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>speed_anomaly: moving below rated × this factor...</summary>
    public double SpeedAnomalyLowFactor { get; set; } = 0.5;

    /// <summary>...continuously for this long.</summary>
    public TimeSpan SpeedAnomalyAfter { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>inspection_mode / fire_mode: the switch on (or off) for this long before the mode begins (or ends).</summary>
    public TimeSpan ModeConfirm { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Faults not raised while inspection or fire service is active (active ones are cleared with
    /// <c>suppressed_by</c>). Null (unset) means every elevator fault except power_loss, alarm_button,
    /// ebike_in_car, maintenance_overdue and inspection_overdue.
    /// </summary>
    public IList<string>? SuppressedInModes { get; set; }

    /// <summary>
    /// The platform's code for each alert kind (attribute <c>code</c>). Entries here override the default
    /// table, <c>seeds/config/elevator-codes.json</c>, which is built into the program.
    /// </summary>
    public IDictionary<string, string> Codes { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>How often the run statistics go upstream in the telemetry class.</summary>
    public TimeSpan StatisticsInterval { get; set; } = TimeSpan.FromHours(1);

    public TimeSpan MaintenanceInterval { get; set; } = TimeSpan.FromDays(15);

    /// <summary>Annual inspection date; overdue from the start of the following day (UTC).</summary>
    public DateTimeOffset? InspectionDue { get; set; }

    public TimeSpan StatusIntervalMoving { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan StatusIntervalIdle { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How often the consumer wakes the machine when no input arrives.</summary>
    public TimeSpan TickInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How often the inputs and sensors are read.</summary>
    public TimeSpan SampleInterval { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary><c>rpi4</c>, <c>rpi5</c> or <c>simulated</c>.</summary>
    public string Board { get; set; } = SimulatedBoard;

    /// <summary>The board with no hardware: the simulated chips and physics drive the inputs.</summary>
    public const string SimulatedBoard = "simulated";

    /// <summary>Board profile JSON; empty means <c>hardware/profiles/&lt;Board&gt;.json</c> beside the app.</summary>
    public string BoardProfile { get; set; } = "";

    /// <summary>Hold the doors open while an e-bike is in the car.</summary>
    public bool EbikeDoorHold { get; set; } = true;

    /// <summary>Trigger the voice prompt while an e-bike is in the car.</summary>
    public bool EbikeVoicePrompt { get; set; } = true;

    public int TopFloor => BottomFloor + Floors - 1;

    /// <summary>Height of a floor above the bottom floor.</summary>
    public double HeightOf(int floor)
    {
        var index = floor - BottomFloor;
        return FloorHeightsM.Count == Floors && index >= 0 && index < Floors ? FloorHeightsM[index] : index * FloorHeightM;
    }
}
