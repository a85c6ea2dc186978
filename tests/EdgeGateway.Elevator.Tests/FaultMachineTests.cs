using EdgeGateway.Core.Alerts;
using EdgeGateway.Elevator.Bench;
using EdgeGateway.Elevator.Machine;
using Microsoft.Extensions.Time.Testing;

namespace EdgeGateway.Elevator.Tests;

[Trait("Category", "Unit")]
public sealed class FaultMachineTests
{
    [Fact]
    public void A_busy_day_of_600_normal_trips_raises_nothing()
    {
        var options = new ElevatorOptions { Floors = 12 };
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 5, 1, 6, 0, 0, TimeSpan.Zero));
        var start = time.GetUtcNow();
        var machine = new ElevatorFaultMachine(options, time);
        var trips = ElevatorBench.NormalTrips(options, 600, seed: 11);
        var floorsVisited = new HashSet<int>();

        foreach (var (at, signals) in trips)
        {
            time.SetUtcNow(start + at);
            machine.Apply(signals);
            floorsVisited.Add(machine.Floor);
            if (machine.TryTakeChange(out var change))
            {
                Assert.Fail($"{change.Kind} {change.State} at {at}");
            }
        }

        Assert.Equal(12, floorsVisited.Count);
        Assert.True(machine.InService);
    }

    [Fact]
    public void Run_statistics_count_runs_door_cycles_stops_travel_and_top_speed()
    {
        var options = new ElevatorOptions { Floors = 6 };
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 5, 1, 6, 0, 0, TimeSpan.Zero));
        var start = time.GetUtcNow();
        var machine = new ElevatorFaultMachine(options, time, statistics: new Core.Elevator.ElevatorStatistics(start, 10, 12, 60, 30, 1.0, new Dictionary<int, long> { [1] = 4 }));
        var trips = ElevatorBench.NormalTrips(options, 50, seed: 3);
        var floor = options.BottomFloor;
        var travel = 0.0;
        var stops = new Dictionary<int, long> { [1] = 4 };
        foreach (var (at, signals) in trips)
        {
            time.SetUtcNow(start + at);
            machine.Apply(signals);
            if (signals.Floor is { } f && signals.SpeedMps == 0 && signals.DoorZone == true)
            {
                travel += Math.Abs(options.HeightOf(f) - options.HeightOf(floor));
                stops[f] = stops.GetValueOrDefault(f) + 1;
                floor = f;
            }
        }

        var statistics = machine.Statistics();
        Assert.Equal(10 + 50, statistics.Runs);
        Assert.Equal(12 + 50, statistics.DoorCycles);
        Assert.Equal(stops, statistics.StopsPerFloor);
        Assert.InRange(statistics.TravelM - 30, travel * 0.98, travel * 1.02);
        Assert.Equal(options.RatedSpeedMps, statistics.MaxSpeedMps, 3);
        Assert.True(statistics.RunningSeconds > 60 + (travel / options.RatedSpeedMps));

        var decoded = Core.Elevator.ElevatorStatistics.TryDecode(statistics.Encode());
        Assert.Equal((statistics.Runs, statistics.DoorCycles, 1.5), (decoded!.Runs, decoded.DoorCycles, decoded.MaxSpeedMps));
        Assert.Equal(stops, decoded.StopsPerFloor);
        Assert.Null(Core.Elevator.ElevatorStatistics.TryDecode("{\"runs\":1"u8));
    }

    [Fact]
    public void Random_signals_never_raise_a_fault_twice_and_the_machine_follows_the_car()
    {
        var random = new Random(3);
        var time = new FakeTimeProvider();
        var machine = new ElevatorFaultMachine(new ElevatorOptions(), time);
        var lastState = new Dictionary<string, AlertState>();
        for (var i = 0; i < 20_000; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(random.Next(1, 5_000)));
            var update = new SignalUpdate();
            switch (random.Next(14))
            {
                case 9: update.DoorLockOk = random.Next(3) != 0; break;
                case 10: update.CallButton = random.Next(3) == 0; break;
                case 11: update.DoorOpenCmd = random.Next(3) == 0; break;
                case 12: update.DoorCloseCmd = random.Next(3) == 0; break;
                case 13: update.VibrationMps2 = random.NextDouble(); break;
                case 0: update.DoorClosed = random.Next(2) == 0; break;
                case 1: update.DoorZone = random.Next(2) == 0; break;
                case 2: update.SafetyCircuitOk = random.Next(4) != 0; break;
                case 3: update.MainsPower = random.Next(4) != 0; break;
                case 4: update.SpeedMps = (random.NextDouble() - 0.5) * 4; break;
                case 5: update.Floor = random.Next(0, 12); break;
                case 6: update.Presence = random.Next(2) == 0; break;
                case 7: update.AlarmButton = random.Next(3) == 0; break;
                default: update.FireMode = random.Next(8) == 0; break;
            }

            machine.Apply(update);
            while (machine.TryTakeChange(out var change))
            {
                var previous = lastState.GetValueOrDefault(change.Kind, AlertState.Cleared);
                Assert.NotEqual(previous, change.State);
                Assert.True(change.At <= time.GetUtcNow());
                lastState[change.Kind] = change.State;
            }

            var snapshot = machine.Snapshot();
            Assert.Equal(!snapshot.Inputs["mains_power"], snapshot.State == "NoPower");

            // Triggers fired from the signal edges alone keep the Stateless machine where the signals say the car is.
            Assert.True(machine.StateFollowsSignals, $"{snapshot.State} after {i} updates");
        }

        Assert.True(lastState.Count >= 12, string.Join(",", lastState.Keys));
    }

    [Fact]
    public void Status_comes_faster_while_moving_than_idle()
    {
        var time = new FakeTimeProvider();
        var machine = new ElevatorFaultMachine(new ElevatorOptions(), time);
        Assert.True(machine.TryTakeStatus(out var first));
        Assert.Equal("stopped", first.Direction);

        time.Advance(TimeSpan.FromSeconds(30));
        machine.Tick();
        Assert.False(machine.TryTakeStatus(out _));

        machine.Apply(new SignalUpdate { SpeedMps = 1.0, DoorZone = false });
        Assert.True(machine.TryTakeStatus(out var moving));
        Assert.Equal("up", moving.Direction);
        time.Advance(TimeSpan.FromSeconds(4));
        Assert.False(machine.TryTakeStatus(out _));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(machine.TryTakeStatus(out _));
    }

    [Fact]
    public void Check_in_clears_maintenance_overdue_and_restarts_the_15_days()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var machine = new ElevatorFaultMachine(new ElevatorOptions(), time, lastMaintenance: time.GetUtcNow().AddDays(-14));
        time.Advance(TimeSpan.FromDays(1));
        machine.Tick();
        Assert.True(machine.TryTakeChange(out var raised));
        Assert.Equal((AlertKinds.MaintenanceOverdue, AlertState.Raised), (raised.Kind, raised.State));

        machine.CheckIn(time.GetUtcNow());
        Assert.True(machine.TryTakeChange(out var cleared));
        Assert.Equal(AlertState.Cleared, cleared.State);

        time.Advance(TimeSpan.FromDays(14.9));
        machine.Tick();
        Assert.False(machine.HasChanges);
        time.Advance(TimeSpan.FromDays(0.2));
        machine.Tick();
        Assert.True(machine.TryTakeChange(out var again));
        Assert.Equal(AlertState.Raised, again.State);
    }
}
