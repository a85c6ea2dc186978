namespace EdgeGateway.Elevator.Replay;

/// <summary>What the optional first <c>{"config": {...}}</c> line says beyond the elevator options.</summary>
public sealed class ScenarioSettings
{
    /// <summary>The wall-clock moment of <c>t = 0</c>.</summary>
    public DateTimeOffset Start { get; set; } = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The last maintenance check-in before the scenario; null means "at t = 0".</summary>
    public DateTimeOffset? LastMaintenance { get; set; }
}
