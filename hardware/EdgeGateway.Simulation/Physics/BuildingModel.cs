namespace EdgeGateway.Simulation.Physics;

/// <summary>The hoistway and the car's drive: floors, storey height, rated speed and acceleration.</summary>
public sealed record BuildingModel
{
    public int BottomFloor { get; init; } = 1;

    public int Floors { get; init; } = 10;

    public double StoreyHeightM { get; init; } = 3.0;

    public double RatedSpeedMps { get; init; } = 1.5;

    public double AccelerationMps2 { get; init; } = 0.8;

    /// <summary>Half-height of the door-zone (leveling) vane around each floor level.</summary>
    public double DoorZoneHalfM { get; init; } = 0.075;

    public TimeSpan DoorTravel { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Height of the machine room's bottom landing above sea level (sets the barometer's pressure).</summary>
    public double SiteElevationM { get; init; } = 4.0;

    public int TopFloor => BottomFloor + Floors - 1;

    public double HeightOf(int floor) => (floor - BottomFloor) * StoreyHeightM;
}
