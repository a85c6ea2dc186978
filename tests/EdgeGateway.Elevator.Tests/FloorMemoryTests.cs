using EdgeGateway.Elevator.Hardware;
using EdgeGateway.Simulation;
using EdgeGateway.Simulation.Physics;

namespace EdgeGateway.Elevator.Tests;

[Trait("Category", "Integration")]
public sealed class FloorMemoryTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgegw-floor-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void After_a_restart_the_floor_count_resumes_where_the_car_last_stopped()
    {
        var building = new BuildingModel { Floors = 9 };
        using (var before = new SimulatedBox(building, SimulationNoise.Field, seed: 31, floorMemory: new FloorMemory(_dir)))
        {
            before.Rig.Car.Enqueue(new Trip(7, 1, TimeSpan.FromSeconds(3)));
            before.RunUntilIdle(TimeSpan.FromMinutes(1));
            before.Run(TimeSpan.FromSeconds(2));
            Assert.Equal(7, before.Machine.Floor);
        }

        Assert.Equal(7, new FloorMemory(_dir).Load());

        // The box restarts while the car stands at 7, then the car goes down two floors.
        using var after = new SimulatedBox(building, SimulationNoise.Field, seed: 32, floorMemory: new FloorMemory(_dir), startFloor: 7);
        after.Run(TimeSpan.FromSeconds(1));
        Assert.Equal(7, after.Machine.Floor);
        after.Rig.Car.Enqueue(new Trip(5, 1, TimeSpan.FromSeconds(3)));
        after.RunUntilIdle(TimeSpan.FromMinutes(1));
        after.Run(TimeSpan.FromSeconds(2));
        Assert.Equal(5, after.Machine.Floor);
        Assert.Equal(5, new FloorMemory(_dir).Load());
        Assert.Empty(after.Changes);
    }

    [Fact]
    public void Missing_or_garbled_memory_is_no_floor()
    {
        Assert.Null(new FloorMemory(_dir).Load());
        File.WriteAllText(Path.Combine(_dir, FloorMemory.FileName), "seven");
        Assert.Null(new FloorMemory(_dir).Load());
    }
}
