namespace EdgeGateway.Supervision;

/// <summary>Log event ids of this assembly, one registry so no two components share an id.</summary>
public static class SupervisionEventIds
{
    public const int WatchdogStarted = 9001;
    public const int PartStalled = 9002;
    public const int PartRecovered = 9003;
    public const int NotifyFailed = 9004;
    public const int WatchdogDisabled = 9005;
}
