using EdgeGateway.Core.Alerts;
using EdgeGateway.Elevator.Replay;

namespace EdgeGateway.Elevator.Tests;

/// <summary>
/// One scenario per DOMAIN.md fault, replayed through the real machine: raised within 1 s of the
/// rule's time, cleared when its cause ends, never raised twice, and nothing else raised.
/// </summary>
[Trait("Category", "Unit")]
public sealed class FaultScenarioTests
{
    public static TheoryData<string, string, double, double?> Faults => new()
    {
        // file, kind, rule time of the raise, time of the clear (null: stays raised)
        { "trapped_at_floor.jsonl", AlertKinds.Trapped, 10 + 90, 130 },
        { "trapped_between_floors.jsonl", AlertKinds.Trapped, 11 + 90, 200 },
        { "stop_outside_zone.jsonl", AlertKinds.StopOutsideZone, 20 + 60, 100 },
        { "door_open_moving.jsonl", AlertKinds.DoorOpenMoving, 10 + 0.6, 12 },
        { "overspeed.jsonl", AlertKinds.Overspeed, 3 + 6, 12 + 10 },
        { "overtravel_top.jsonl", AlertKinds.OvertravelTop, 12, 60 },
        { "overtravel_bottom.jsonl", AlertKinds.OvertravelBottom, 5, 40 },
        { "door_open_too_long.jsonl", AlertKinds.DoorOpenTooLong, 10 + 180, 250 },
        { "door_fault.jsonl", AlertKinds.DoorFault, 60, 70 + 120 },
        { "safety_circuit_open.jsonl", AlertKinds.SafetyCircuitOpen, 10, 30 },
        { "power_loss.jsonl", AlertKinds.PowerLoss, 10, 40 },
        { "alarm_button.jsonl", AlertKinds.AlarmButton, 20 + 3, 60 },
        { "maintenance_overdue.jsonl", AlertKinds.MaintenanceOverdue, 15 * 86400, 1_300_000 },
        { "inspection_overdue.jsonl", AlertKinds.InspectionOverdue, 86400, null },
        { "door_lock_open.jsonl", AlertKinds.DoorLockOpen, 10 + 1, 20 },
        { "door_open_failure.jsonl", AlertKinds.DoorOpenFailure, 5 + 10, 18 },
        { "door_close_failure.jsonl", AlertKinds.DoorCloseFailure, 5 + 15, 24 },
        { "button_stuck.jsonl", AlertKinds.ButtonStuck, 10 + 60, 100 },
        { "unintended_movement.jsonl", AlertKinds.UnintendedMovement, 5 + (0.3 / 0.2), 10 },
        { "abnormal_vibration.jsonl", AlertKinds.AbnormalVibration, 3 + 5, 12 + 10 },
        { "speed_anomaly.jsonl", AlertKinds.SpeedAnomaly, 1 + 15, 20 },
        { "inspection_mode.jsonl", AlertKinds.InspectionMode, 10 + 1, 200 + 1 },
        { "fire_mode.jsonl", AlertKinds.FireMode, 5 + 1, 400 + 1 },
    };

    [Theory]
    [MemberData(nameof(Faults))]
    public void Fault_is_raised_on_time_and_cleared_once(string file, string kind, double raisedAt, double? clearedAt)
    {
        var alerts = ScenarioRun.File(file);
        var mine = alerts.Where(a => a.Kind == kind).ToList();

        Assert.NotEmpty(mine);
        var raised = mine[0];
        Assert.Equal(AlertState.Raised, raised.State);
        Assert.InRange(raised.T, raisedAt - 1e-6, raisedAt + 1.0);

        // Raised and cleared alternate: a fault never fires twice while active.
        for (var i = 1; i < mine.Count; i++)
        {
            Assert.NotEqual(mine[i - 1].State, mine[i].State);
        }

        if (clearedAt is { } cleared)
        {
            Assert.True(mine.Count >= 2, $"{kind} was never cleared");
            Assert.Equal(AlertState.Cleared, mine[1].State);
            Assert.InRange(mine[1].T, cleared - 1e-6, cleared + 1.0);
        }
        else
        {
            Assert.Single(mine);
        }
    }

    [Theory]
    [MemberData(nameof(Faults))]
    public void Scenario_raises_only_what_it_is_about(string file, string kind, double raisedAt, double? clearedAt)
    {
        _ = (raisedAt, clearedAt);
        var others = ScenarioRun.File(file).Where(a => a.Kind != kind).Select(a => a.Kind).Distinct().ToList();

        // Between floors a trapped passenger is also a stop outside the door zone; nothing else fires.
        // A car sinking with the door open leaves the door zone: that is also door_open_moving.
        var allowed = file switch
        {
            "trapped_between_floors.jsonl" => new[] { AlertKinds.StopOutsideZone },
            "unintended_movement.jsonl" => [AlertKinds.DoorOpenMoving],
            _ => [],
        };
        Assert.Empty(others.Except(allowed));
    }

    [Fact]
    public void Normal_day_scenario_raises_nothing()
    {
        var lines = File.ReadAllLines(Testing.RepoPaths.Seeds("scenarios", "normal_day.jsonl"));
        Assert.True(lines.Length > 150);

        Assert.Empty(ScenarioRun.File("normal_day.jsonl"));
    }

    [Fact]
    public void Trapped_between_floors_says_so_and_names_the_floor()
    {
        var raised = ScenarioRun.File("trapped_between_floors.jsonl").Single(a => a.Kind == AlertKinds.Trapped && a.State == AlertState.Raised);

        Assert.Equal(3, raised.Floor);
        Assert.Equal("true", raised.Change.Draft.Attributes!["between_floors"]);
        Assert.Equal("""{"t":101.0,"kind":"trapped","state":"raised","floor":3,"severity":"critical","code":"E07","between_floors":"true"}""", raised.ToJsonLine());
    }

    [Fact]
    public void A_short_alarm_press_raises_nothing()
    {
        var alerts = ScenarioRun.Lines(
            """{"t":1,"alarm_button":true,"_note":"a short press"}""",
            """{"t":3.9,"alarm_button":false}""",
            """{"t":30}""");

        Assert.Empty(alerts);
    }

    [Fact]
    public void Door_open_while_relevelling_inside_the_door_zone_is_not_a_fault()
    {
        var alerts = ScenarioRun.Lines(
            """{"t":1,"door_closed":false}""",
            """{"t":2,"speed_mps":0.3}""",
            """{"t":5,"speed_mps":0}""",
            """{"t":6,"door_closed":true}""",
            """{"t":20}""");

        Assert.DoesNotContain(alerts, a => a.Kind == AlertKinds.DoorOpenMoving);
    }

    [Fact]
    public void Approaching_the_top_floor_and_stopping_level_is_not_overtravel()
    {
        var alerts = ScenarioRun.Lines(
            """{"config":{"floors":3}}""",
            """{"t":1,"speed_mps":1.0,"door_zone":false}""",
            """{"t":4,"floor":3,"speed_mps":0.5}""",
            """{"t":5,"door_zone":true,"speed_mps":0.2}""",
            """{"t":6,"speed_mps":0}""",
            """{"t":20}""");

        Assert.Empty(alerts);
    }

    [Fact]
    public void Timing_overrides_in_the_config_line_change_the_rule()
    {
        var alerts = ScenarioRun.Lines(
            """{"config":{"alarm_button_hold_s":10}}""",
            """{"t":1,"alarm_button":true}""",
            """{"t":30}""");

        Assert.Equal(11.0, Assert.Single(alerts).T, 3);
    }
}
