using EdgeGateway.Core.Alerts;
using EdgeGateway.Simulation;
using EdgeGateway.Simulation.Physics;

namespace EdgeGateway.Elevator.Tests;

/// <summary>
/// Faults injected into the simulated elevator, read through the real drivers and bindings with
/// field noise, reach the same verdicts as the replay scenarios: the right fault, once, and
/// nothing else that should not be there.
/// </summary>
[Trait("Category", "Integration")]
public sealed class SimulatedFaultTests
{
    private static readonly TimeSpan Dwell = TimeSpan.FromSeconds(3);

    [Fact]
    public void Car_stopping_between_floors_with_a_passenger_is_trapped_between_floors()
    {
        using var box = new SimulatedBox(seed: 21);
        box.Rig.Car.StopBetweenFloorsNextRun = true;
        box.Rig.Car.Enqueue(new Trip(5, 1, Dwell));
        while (!box.Rig.Car.Stuck && box.Seconds < 30)
        {
            box.Step();
        }

        Assert.True(box.Rig.Car.Stuck);
        var stoppedAt = box.Seconds;

        box.Run(TimeSpan.FromSeconds(100));

        var trapped = Assert.Single(box.Changes, c => c.Kind == AlertKinds.Trapped);
        Assert.Equal("true", trapped.Draft.Attributes!["between_floors"]);
        Assert.Single(box.Changes, c => c.Kind == AlertKinds.StopOutsideZone);
        Assert.Equal([AlertKinds.StopOutsideZone, AlertKinds.Trapped], box.Raised().Order());
        Assert.InRange((trapped.At - box.Time.Start).TotalSeconds - stoppedAt, 89.0, 91.0);

        // Rescue: the car creeps to a landing and opens the doors: both clear, once.
        box.Rig.Car.Rescue();
        box.Run(TimeSpan.FromSeconds(20));
        Assert.Equal(2, box.Changes.Count(c => c.Kind == AlertKinds.Trapped));
        Assert.Equal(AlertState.Cleared, box.Changes.Last(c => c.Kind == AlertKinds.Trapped).State);
        Assert.Equal(AlertState.Cleared, box.Changes.Last(c => c.Kind == AlertKinds.StopOutsideZone).State);
    }

    [Fact]
    public void Doors_opening_during_a_run_raise_door_open_moving_within_a_second()
    {
        using var box = new SimulatedBox(seed: 22);
        box.Rig.Car.OpenDoorWhileMovingNextRun = true;
        box.Rig.Car.Enqueue(new Trip(8, 2, Dwell));
        while ((box.Rig.Car.DoorClosed || Math.Abs(box.Rig.Car.VelocityMps) < 0.01) && box.Seconds < 60)
        {
            box.Step();
        }

        Assert.False(box.Rig.Car.DoorClosed, "the doors opened during the run");
        var openedAt = box.Time.GetUtcNow();
        box.RunUntilIdle(TimeSpan.FromMinutes(1));

        var raised = Assert.Single(box.Changes, c => c.Kind == AlertKinds.DoorOpenMoving && c.State == AlertState.Raised);
        Assert.Contains(box.Changes, c => c.Kind == AlertKinds.DoorOpenMoving && c.State == AlertState.Cleared);
        Assert.Equal([AlertKinds.DoorOpenMoving], box.Raised().Distinct());

        // The rule waits 0.6 s of door-open-while-moving; the box must not take longer than a second.
        Assert.InRange((raised.At - openedAt).TotalSeconds, 0.6, 1.0);
    }

    [Fact]
    public void Overrunning_the_top_landing_is_overtravel_top()
    {
        using var box = new SimulatedBox(new BuildingModel { Floors = 6 }, seed: 23);
        box.Rig.Car.OverrunTerminalNextRun = true;
        box.Rig.Car.Enqueue(new Trip(6, 1, Dwell));
        box.Run(TimeSpan.FromSeconds(40));

        Assert.Single(box.Changes, c => c.Kind == AlertKinds.OvertravelTop);
        Assert.DoesNotContain(box.Changes, c => c.Kind == AlertKinds.OvertravelBottom);
    }

    [Fact]
    public void Overrunning_the_bottom_landing_is_overtravel_bottom()
    {
        using var box = new SimulatedBox(new BuildingModel { Floors = 6 }, seed: 24);
        box.Rig.Car.Enqueue(new Trip(3, 1, Dwell));
        box.RunUntilIdle(TimeSpan.FromMinutes(1));
        box.Rig.Car.OverrunTerminalNextRun = true;
        box.Rig.Car.Enqueue(new Trip(1, 1, Dwell));
        box.Run(TimeSpan.FromSeconds(40));

        Assert.Single(box.Changes, c => c.Kind == AlertKinds.OvertravelBottom);
        Assert.DoesNotContain(box.Changes, c => c.Kind == AlertKinds.OvertravelTop);
    }

    [Fact]
    public void Running_thirty_percent_over_rated_speed_is_overspeed_once()
    {
        using var box = new SimulatedBox(new BuildingModel { Floors = 30 }, seed: 25);
        box.Rig.Car.OverspeedFactorNextRun = 1.3;
        box.Rig.Car.Enqueue(new Trip(30, 1, Dwell));
        box.RunUntilIdle(TimeSpan.FromMinutes(2));
        box.Run(TimeSpan.FromSeconds(15));

        Assert.Equal([AlertState.Raised, AlertState.Cleared], box.Changes.Where(c => c.Kind == AlertKinds.Overspeed).Select(c => c.State));
        Assert.Equal([AlertKinds.Overspeed], box.Raised().Distinct());
    }

    [Fact]
    public void Safety_circuit_opening_in_service_is_raised_and_cleared()
    {
        using var box = new SimulatedBox(seed: 26);
        box.Rig.Car.Enqueue(new Trip(4, 1, Dwell));
        box.Run(TimeSpan.FromSeconds(10));
        box.Rig.Car.OpenSafetyCircuit();
        var openedAt = box.Seconds;
        box.Run(TimeSpan.FromSeconds(5));
        box.Rig.Car.CloseSafetyCircuit();
        box.RunUntilIdle(TimeSpan.FromMinutes(1));

        var raised = Assert.Single(box.Changes, c => c.Kind == AlertKinds.SafetyCircuitOpen && c.State == AlertState.Raised);
        Assert.InRange((raised.At - box.Time.Start).TotalSeconds - openedAt, 0, 1.0);
        Assert.Single(box.Changes, c => c.Kind == AlertKinds.SafetyCircuitOpen && c.State == AlertState.Cleared);
        Assert.Equal([AlertKinds.SafetyCircuitOpen], box.Raised().Distinct());
    }

    [Fact]
    public void Power_cut_is_power_loss_not_a_safety_circuit_fault()
    {
        using var box = new SimulatedBox(seed: 27);
        box.Run(TimeSpan.FromSeconds(2));
        box.Rig.Car.CutPower();
        box.Run(TimeSpan.FromSeconds(10));
        box.Rig.Car.RestorePower();
        box.Run(TimeSpan.FromSeconds(5));

        Assert.Equal([AlertState.Raised, AlertState.Cleared], box.Changes.Where(c => c.Kind == AlertKinds.PowerLoss).Select(c => c.State));
        Assert.Equal([AlertKinds.PowerLoss], box.Raised().Distinct());
    }

    [Fact]
    public void Stuck_alarm_button_is_raised_once_and_cleared_when_freed()
    {
        using var box = new SimulatedBox(seed: 28);
        box.Rig.Car.PressAlarm(true);
        box.Run(TimeSpan.FromSeconds(120));
        box.Rig.Car.PressAlarm(false);
        box.Run(TimeSpan.FromSeconds(2));

        Assert.Equal([AlertState.Raised, AlertState.Cleared], box.Changes.Where(c => c.Kind == AlertKinds.AlarmButton).Select(c => c.State));
        var raised = box.Changes[0];
        Assert.InRange((raised.At - box.Time.Start).TotalSeconds, 3.0, 3.5);
    }

    [Fact]
    public async Task Ebike_alert_holds_the_simulated_doors_open_until_it_clears()
    {
        using var box = new SimulatedBox(seed: 29);
        var responder = new Service.EbikeResponder(new CollectingAlertSink(), box.Outputs,
            Microsoft.Extensions.Options.Options.Create(box.Options), Microsoft.Extensions.Logging.Abstractions.NullLogger<Service.EbikeResponder>.Instance);
        box.Rig.Car.Enqueue(new Trip(5, 1, TimeSpan.FromSeconds(3)));
        box.Run(TimeSpan.FromSeconds(2.5));
        await responder.PublishAsync(new AlertDraft(AlertKinds.EbikeInCar, AlertSeverity.Warning, AlertState.Raised));

        box.Run(TimeSpan.FromSeconds(60));
        Assert.Equal(1.0, box.Rig.Car.DoorPosition);
        Assert.Equal(1, box.Machine.Floor);

        await responder.PublishAsync(new AlertDraft(AlertKinds.EbikeInCar, AlertSeverity.Warning, AlertState.Cleared));
        box.RunUntilIdle(TimeSpan.FromMinutes(1));
        box.Run(TimeSpan.FromSeconds(2));
        Assert.Equal(5, box.Machine.Floor);
        Assert.Empty(box.Changes);
    }

    [Fact]
    public void A_jammed_door_operator_is_door_open_failure_from_the_controllers_command()
    {
        using var box = new SimulatedBox(seed: 31);
        box.Rig.Car.DoorJammed = true;
        box.Rig.Car.Enqueue(new Trip(4, 1, Dwell));
        box.Run(TimeSpan.FromSeconds(12));
        box.Rig.Car.DoorJammed = false;
        box.Run(TimeSpan.FromSeconds(3));

        var raised = Assert.Single(box.Changes, c => c.Kind == AlertKinds.DoorOpenFailure && c.State == AlertState.Raised);
        Assert.InRange((raised.At - box.Time.Start).TotalSeconds, 10.0, 10.5);
        Assert.Single(box.Changes, c => c.Kind == AlertKinds.DoorOpenFailure && c.State == AlertState.Cleared);
        Assert.Equal([AlertKinds.DoorOpenFailure], box.Raised().Distinct());
    }

    [Fact]
    public void A_stuck_call_button_and_a_failed_lock_contact_are_raised_once_each_through_the_real_inputs()
    {
        using var box = new SimulatedBox(seed: 32);
        box.Rig.Car.CallButtonStuck = true;
        box.Rig.Car.LockCircuitFault = true;
        box.Run(TimeSpan.FromSeconds(65));
        box.Rig.Car.CallButtonStuck = false;
        box.Rig.Car.LockCircuitFault = false;
        box.Run(TimeSpan.FromSeconds(2));

        Assert.Equal([AlertState.Raised, AlertState.Cleared], box.Changes.Where(c => c.Kind == AlertKinds.ButtonStuck).Select(c => c.State));
        Assert.Equal([AlertState.Raised, AlertState.Cleared], box.Changes.Where(c => c.Kind == AlertKinds.DoorLockOpen).Select(c => c.State));
        Assert.Equal([AlertKinds.DoorLockOpen, AlertKinds.ButtonStuck], box.Raised());
    }

    [Fact]
    public void A_shaking_car_is_abnormal_vibration_from_the_mpu6050_and_a_smooth_one_is_not()
    {
        using var box = new SimulatedBox(new BuildingModel { Floors = 20 }, seed: 33);
        box.Rig.Car.VibrationMps2 = 1.2;
        box.Rig.Car.Enqueue(new Trip(20, 1, Dwell));
        box.RunUntilIdle(TimeSpan.FromMinutes(2));
        box.Run(TimeSpan.FromSeconds(12));

        Assert.Equal([AlertState.Raised, AlertState.Cleared], box.Changes.Where(c => c.Kind == AlertKinds.AbnormalVibration).Select(c => c.State));
        Assert.Equal([AlertKinds.AbnormalVibration], box.Raised().Distinct());
    }

    [Fact]
    public void Inspection_switch_on_the_board_is_inspection_mode_and_hides_a_stop_between_floors()
    {
        using var box = new SimulatedBox(seed: 34);
        box.Rig.Car.InspectionSwitch = true;
        box.Run(TimeSpan.FromSeconds(2));
        box.Rig.Car.StopBetweenFloorsNextRun = true;
        box.Rig.Car.Enqueue(new Trip(5, 1, Dwell));
        box.Run(TimeSpan.FromSeconds(150));
        Assert.True(box.Rig.Car.Stuck);
        Assert.Equal("inspection", box.Machine.Mode);

        Assert.Equal([AlertKinds.InspectionMode], box.Raised());
    }
}
