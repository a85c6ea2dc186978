namespace EdgeGateway.Simulation;

/// <summary>How imperfect the simulated sensors are. <see cref="None"/> for exact readings.</summary>
public sealed record SimulationNoise
{
    public static SimulationNoise None { get; } = new()
    {
        AccelerationSigmaMps2 = 0, AccelerationSpikeProbability = 0, PressureSigmaPa = 0, WeatherDriftPaPerMinute = 0,
        ContactBounce = TimeSpan.Zero, GlitchProbability = 0, PresenceDropoutProbability = 0,
    };

    /// <summary>Typical field values: MEMS noise, door slams, barometer noise and weather, contact bounce, EMI glitches.</summary>
    public static SimulationNoise Field { get; } = new();

    public double AccelerationSigmaMps2 { get; init; } = 0.04;

    /// <summary>Chance per reading of a shock spike (door slam, someone jumping).</summary>
    public double AccelerationSpikeProbability { get; init; } = 0.002;

    public double AccelerationSpikeMps2 { get; init; } = 4.0;

    public double PressureSigmaPa { get; init; } = 1.2;

    /// <summary>Slow random walk of the outdoor pressure; re-zeroing at each stop must absorb it.</summary>
    public double WeatherDriftPaPerMinute { get; init; } = 3.0;

    /// <summary>How long a contact chatters after it changes.</summary>
    public TimeSpan ContactBounce { get; init; } = TimeSpan.FromMilliseconds(30);

    /// <summary>Chance per read of a one-off wrong level on a contact input (interference).</summary>
    public double GlitchProbability { get; init; } = 0.001;

    /// <summary>Chance per read that the presence sensor misses a still passenger.</summary>
    public double PresenceDropoutProbability { get; init; } = 0.05;
}
