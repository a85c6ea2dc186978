namespace EdgeGateway.Elevator;

/// <summary>
/// Every log event id of this assembly, in one registry: each <c>[LoggerMessage]</c> takes its id from here, no two
/// share one, and tests name them. Ranges per component keep ids unique across the program's assemblies.
/// </summary>
public static class ElevatorLogEvents
{
    /// <summary>Log.FaultChanged.</summary>
    public const int ElevatorFaultChanged = 4001;

    /// <summary>Log.Started.</summary>
    public const int ElevatorStarted = 4002;

    /// <summary>Log.PublishFailed.</summary>
    public const int ElevatorPublishFailed = 4003;

    /// <summary>Log.SampleFailed.</summary>
    public const int ElevatorSampleFailed = 4004;

    /// <summary>Log.CheckedIn.</summary>
    public const int ElevatorCheckedIn = 4005;

    /// <summary>Log.EbikeResponse.</summary>
    public const int ElevatorEbikeResponse = 4006;

    /// <summary>Log.StatisticsNotSaved.</summary>
    public const int ElevatorStatisticsNotSaved = 4007;

    /// <summary>Log.Reconfigured.</summary>
    public const int ElevatorReconfigured = 4008;

    /// <summary>Log.SettingsRejected.</summary>
    public const int ElevatorSettingsRejected = 4009;

    /// <summary>Log.SampleIntervalChanged.</summary>
    public const int ElevatorSampleIntervalChanged = 4010;

    /// <summary>Log.BoardChanged.</summary>
    public const int ElevatorBoardChanged = 4011;
}
