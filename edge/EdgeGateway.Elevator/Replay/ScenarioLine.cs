using EdgeGateway.Elevator.Machine;

namespace EdgeGateway.Elevator.Replay;

/// <summary>One timed line of a scenario: the signals that changed, and optionally a maintenance check-in.</summary>
public sealed record ScenarioLine(int LineNumber, double T, SignalUpdate Signals, string? CheckInTechnician);
