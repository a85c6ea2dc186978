using System.Diagnostics;
using EdgeGateway.Simulation;
using EdgeGateway.Simulation.Physics;

namespace EdgeGateway.Elevator.Tests;

[Trait("Category", "Integration")]
public sealed class BusyDayTests
{
    [Fact]
    public void A_busy_day_of_500_trips_with_noisy_sensors_and_contact_bounce_raises_no_fault()
    {
        var building = new BuildingModel { Floors = 12 };
        using var box = new SimulatedBox(building, SimulationNoise.Field, seed: 2026);
        box.SampleInterval = TimeSpan.FromMilliseconds(40);
        var random = new Random(9);
        var floor = building.BottomFloor;
        for (var i = 0; i < 520; i++)
        {
            var target = floor;
            while (target == floor)
            {
                target = random.Next(building.BottomFloor, building.TopFloor + 1);
            }

            box.Rig.Car.Enqueue(new Trip(target, random.Next(1, 8), TimeSpan.FromSeconds(2 + random.NextDouble() * 4), Remaining: random.Next(0, 2)));
            floor = target;
        }

        var floorsSeen = new HashSet<int>();
        var stopwatch = Stopwatch.StartNew();
        while (box.Rig.Car.Busy && box.Rig.Now < TimeSpan.FromHours(6))
        {
            box.Step();
            floorsSeen.Add(box.Machine.Floor);
        }

        Assert.True(box.Rig.Car.TripsCompleted >= 500, $"only {box.Rig.Car.TripsCompleted} trips");
        Assert.Empty(box.Changes);
        Assert.Equal(12, floorsSeen.Count);
        Assert.InRange(box.MaxSpeedSeen, 1.3, 1.7);
        Assert.True(box.Fusion.Rezeroes > 400);

        // The same day through the new inputs too: a call pressed and the door commands at every trip, the
        // MPU-6050's horizontal noise as vibration. The statistics saw every run and every door cycle.
        var statistics = box.Machine.Statistics();
        Assert.InRange(statistics.Runs, box.Rig.Car.TripsCompleted, box.Rig.Car.TripsCompleted + 1);
        // Queued trips reopen the doors within a few ms of closing them, below the contact's debounce: one cycle each.
        Assert.InRange(statistics.DoorCycles, box.Rig.Car.TripsCompleted, 2 * box.Rig.Car.TripsCompleted + 1);
        Assert.Equal(statistics.Runs, statistics.StopsPerFloor.Values.Sum());
        Assert.True(stopwatch.Elapsed < TimeSpan.FromMinutes(2), stopwatch.Elapsed.ToString());
    }
}
