using EdgeGateway.Core.Alerts;
using EdgeGateway.Core.Elevator;
using EdgeGateway.Elevator.Machine;
using Microsoft.Extensions.Time.Testing;

namespace EdgeGateway.Elevator.Tests;

/// <summary>A fault machine with new settings continues the old one: no second raise, a clear still comes, new timings apply.</summary>
[Trait("Category", "Unit")]
public sealed class LiveSettingsTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 5, 1, 6, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Raised_trapped_survives_a_timing_change_without_a_second_raise_clears_once_and_the_new_timing_applies()
    {
        var lastVisit = _time.GetUtcNow().AddDays(-3);
        var machine = new ElevatorFaultMachine(new ElevatorOptions(), _time, lastVisit, new ElevatorStatistics(_time.GetUtcNow(), 10, 12, 60, 30, 1.0, new Dictionary<int, long> { [1] = 4 }));
        machine.Apply(new SignalUpdate { Presence = true });
        _time.Advance(TimeSpan.FromSeconds(91));
        machine.Tick();
        Assert.Equal([(AlertKinds.Trapped, AlertState.Raised)], Take(machine));

        machine = machine.Reconfigure(new ElevatorOptions { TrappedAfter = TimeSpan.FromSeconds(30) });
        _time.Advance(TimeSpan.FromSeconds(40));
        machine.Tick();
        Assert.Empty(Take(machine));
        Assert.Contains(AlertKinds.Trapped, machine.ActiveFaults());
        Assert.Equal(10, machine.Statistics().Runs);
        Assert.Equal(lastVisit, machine.LastMaintenance);

        machine.Apply(new SignalUpdate { DoorClosed = false });
        Assert.Equal([(AlertKinds.Trapped, AlertState.Cleared)], Take(machine));

        // Trapped again: now after 30 s, not 90.
        machine.Apply(new SignalUpdate { DoorClosed = true });
        var closedAt = _time.GetUtcNow();
        _time.Advance(TimeSpan.FromSeconds(29));
        machine.Tick();
        Assert.Empty(Take(machine));
        _time.Advance(TimeSpan.FromSeconds(2));
        machine.Tick();
        var raised = Assert.Single(TakeChanges(machine));
        Assert.Equal((AlertKinds.Trapped, AlertState.Raised), (raised.Kind, raised.State));
        Assert.Equal(TimeSpan.FromSeconds(30), raised.At - closedAt);
    }

    [Fact]
    public void A_running_trapped_timer_is_handed_over_so_a_shorter_timing_raises_at_once()
    {
        var machine = new ElevatorFaultMachine(new ElevatorOptions(), _time);
        machine.Apply(new SignalUpdate { Presence = true });
        _time.Advance(TimeSpan.FromSeconds(60));
        machine.Tick();
        Assert.Empty(Take(machine));

        // Stopped with the doors closed for 60 s already: past the new 30 s.
        machine = machine.Reconfigure(new ElevatorOptions { TrappedAfter = TimeSpan.FromSeconds(30) });

        Assert.Equal([(AlertKinds.Trapped, AlertState.Raised)], Take(machine));
    }

    [Fact]
    public void The_operating_mode_carries_over_and_its_new_confirm_time_applies()
    {
        var machine = new ElevatorFaultMachine(new ElevatorOptions(), _time);
        machine.Apply(new SignalUpdate { InspectionMode = true });
        _time.Advance(TimeSpan.FromSeconds(2));
        machine.Tick();
        Assert.Equal([(AlertKinds.InspectionMode, AlertState.Raised)], Take(machine));

        machine = machine.Reconfigure(new ElevatorOptions { ModeConfirm = TimeSpan.FromSeconds(3) });

        Assert.Equal("inspection", machine.Mode);
        machine.Apply(new SignalUpdate { InspectionMode = false });
        _time.Advance(TimeSpan.FromSeconds(2));
        machine.Tick();
        Assert.Empty(Take(machine));
        _time.Advance(TimeSpan.FromSeconds(1.5));
        machine.Tick();
        Assert.Equal([(AlertKinds.InspectionMode, AlertState.Cleared)], Take(machine));
    }

    private static List<(string Kind, AlertState State)> Take(ElevatorFaultMachine machine) =>
        [.. TakeChanges(machine).Select(c => (c.Kind, c.State))];

    private static List<FaultChange> TakeChanges(ElevatorFaultMachine machine)
    {
        var changes = new List<FaultChange>();
        while (machine.TryTakeChange(out var change))
        {
            changes.Add(change);
        }

        return changes;
    }
}
