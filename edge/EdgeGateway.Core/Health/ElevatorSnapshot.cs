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
    DateTimeOffset? LastMaintenance);
