namespace EdgeGateway.Core.Elevator;

/// <summary>
/// The periodic elevator status that goes upstream: about every 5 s while moving, a slower
/// heartbeat while idle, and at once when the car starts, stops or its doors change.
/// </summary>
/// <param name="At">When the monitor decided.</param>
/// <param name="Floor">Current floor, or null when not yet known.</param>
/// <param name="Direction"><c>up</c>, <c>down</c> or <c>stopped</c>.</param>
/// <param name="Door"><c>open</c> or <c>closed</c>.</param>
/// <param name="InService">False while a blocking fault is active or power or the safety circuit is off.</param>
/// <param name="SpeedMps">Signed speed, positive is up.</param>
/// <param name="State">The fault machine's state name.</param>
public sealed record ElevatorStatus(
    DateTimeOffset At,
    int? Floor,
    string Direction,
    string Door,
    bool InService,
    double SpeedMps,
    string State);
