namespace EdgeGateway.Core.Health;

/// <summary>The elevator as the fault machine sees it right now.</summary>
public sealed record ElevatorSnapshot(
    string State,
    int? Floor,
    string Direction,
    bool DoorClosed,
    bool InService,
    double SpeedMps,
    IReadOnlyDictionary<string, bool> Inputs,
    IReadOnlyList<string> ActiveFaults,
    DateTimeOffset? LastMaintenance)
{
    /// <summary>The operating mode: <c>normal</c>, <c>inspection</c> or <c>fire</c>.</summary>
    public string Mode { get; init; } = "normal";

    /// <summary>The platform code of each alert kind the monitor raises.</summary>
    public IReadOnlyDictionary<string, string> Codes { get; init; } = new Dictionary<string, string>();

    /// <summary>The run statistics, when the monitor keeps them.</summary>
    public Elevator.ElevatorStatistics? Statistics { get; init; }
}
