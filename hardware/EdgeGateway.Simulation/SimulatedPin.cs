namespace EdgeGateway.Simulation;

/// <summary>Where a signal is wired on the simulated header, and whether it pulls the pin low when active.</summary>
public sealed record SimulatedPin(int Pin, bool ActiveLow);
