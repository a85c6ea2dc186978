using EdgeGateway.Core.Alerts;
using EdgeGateway.Elevator.Bench;
using EdgeGateway.Elevator.Machine;
using EdgeGateway.Elevator.Replay;
using Microsoft.Extensions.Time.Testing;

namespace EdgeGateway.Elevator.Tests;

/// <summary>Operating modes, their suppression, the lock circuit as a fault of its own, and platform codes.</summary>
[Trait("Category", "Unit")]
public sealed class ModeAndCodeTests
{
    [Fact]
    public void Inspection_clears_an_active_fault_with_suppressed_by_and_the_rule_starts_afresh_when_it_ends()
    {
        var alerts = ScenarioRun.Lines(
            """{"t":10,"speed_mps":0.3,"door_zone":false}""",
            """{"t":20,"speed_mps":0.0}""",
            """{"t":100,"inspection_mode":true,"_note":"the technician arrives; the car is still between floors"}""",
            """{"t":200,"inspection_mode":false}""",
            """{"t":300}""");

        Assert.Equal(
            ["80 stop_outside_zone Raised", "101 inspection_mode Raised", "101 stop_outside_zone Cleared", "201 inspection_mode Cleared", "261 stop_outside_zone Raised"],
            alerts.Select(a => $"{a.T} {a.Kind} {a.State}"));
        Assert.Equal("inspection_mode", alerts[2].Change.Draft.Attributes!["suppressed_by"]);
        Assert.Equal(AlertSeverity.Info, alerts[1].Change.Draft.Severity);
    }

    [Fact]
    public void A_short_flick_of_the_switch_is_no_mode_and_suppresses_nothing()
    {
        var alerts = ScenarioRun.Lines(
            """{"t":1,"alarm_button":true}""",
            """{"t":5,"fire_mode":true}""",
            """{"t":5.5,"fire_mode":false}""",
            """{"t":10,"speed_mps":0.3,"door_zone":false}""",
            """{"t":11,"speed_mps":0.0}""",
            """{"t":80}""");

        Assert.Equal(["alarm_button", "stop_outside_zone"], alerts.Select(a => a.Kind));
    }

    [Fact]
    public void Alarm_button_and_power_loss_still_come_through_in_fire_service()
    {
        var alerts = ScenarioRun.Lines(
            """{"t":1,"fire_mode":true}""",
            """{"t":5,"alarm_button":true,"mains_power":false}""",
            """{"t":20}""");

        Assert.Equal(["fire_mode", "power_loss", "alarm_button"], alerts.Select(a => a.Kind));
    }

    [Fact]
    public void The_lock_circuit_open_while_moving_is_not_door_open_moving_and_the_contact_is()
    {
        var lockOnly = ScenarioRun.Lines(
            """{"t":1,"speed_mps":1.0,"door_zone":false}""",
            """{"t":2,"door_lock_ok":false}""",
            """{"t":4,"door_lock_ok":true}""",
            """{"t":6,"speed_mps":0,"door_zone":true,"floor":3}""");
        Assert.Equal(["door_lock_open Raised", "door_lock_open Cleared"], lockOnly.Select(a => $"{a.Kind} {a.State}"));

        var contact = ScenarioRun.Lines(
            """{"t":1,"speed_mps":1.0,"door_zone":false}""",
            """{"t":2,"door_closed":false}""",
            """{"t":4,"door_closed":true}""",
            """{"t":6,"speed_mps":0,"door_zone":true,"floor":3}""");
        Assert.Equal(["door_open_moving Raised", "door_open_moving Cleared"], contact.Select(a => $"{a.Kind} {a.State}"));
    }

    [Fact]
    public void Every_alert_carries_its_code_and_Elevator_Codes_overrides_the_default_table()
    {
        var options = new ElevatorOptions();
        options.Codes["alarm_button"] = "ALM-9";
        var alerts = new List<ReplayAlert>();
        ScenarioReplayer.Run(new StringReader("{\"t\":1,\"alarm_button\":true,\"call_button\":true}\n{\"t\":70}"), options, alerts.Add);

        Assert.Equal(["alarm_button ALM-9", "button_stuck E13"], alerts.Select(a => $"{a.Kind} {a.Change.Draft.Attributes!["code"]}"));
        Assert.Contains("\"code\":\"ALM-9\"", alerts[0].ToJsonLine(), StringComparison.Ordinal);
        Assert.Equal(ElevatorCodes.Kinds.Order(), ElevatorCodes.Default.Keys.Order());
    }

    [Fact]
    public void Live_and_replay_alerts_carry_the_moment_the_rule_fired()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.Zero));
        var start = time.GetUtcNow();
        var machine = new ElevatorFaultMachine(new ElevatorOptions(), time);
        machine.Apply(new SignalUpdate { CallButton = true });
        time.Advance(TimeSpan.FromSeconds(75));
        machine.Tick();

        Assert.True(machine.TryTakeChange(out var stuck));
        Assert.Equal(start.AddSeconds(60), stuck.Draft.At);
    }

    [Theory]
    [InlineData("Codes:no_such_kind", "E1", "Elevator:Codes:no_such_kind = 'E1': expected a key that is an elevator alert kind")]
    [InlineData("Codes:trapped", "E 07", "Elevator:Codes:trapped = 'E 07': expected a platform code of 1 to 32 letters")]
    [InlineData("SuppressedInModes", "fire_mode", "Elevator:SuppressedInModes:0 = 'fire_mode': expected an elevator fault kind")]
    [InlineData("SpeedAnomalyLowFactor", "0.05", "Elevator:SpeedAnomalyLowFactor = '0.05': expected a factor below 1")]
    public void Bad_mode_and_code_options_are_one_line_naming_key_value_and_expectation(string key, string value, string expected)
    {
        var options = new ElevatorOptions();
        switch (key)
        {
            case "SuppressedInModes": options.SuppressedInModes = [value]; break;
            case "SpeedAnomalyLowFactor": options.SpeedAnomalyLowFactor = double.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
            default: options.Codes[key["Codes:".Length..]] = value; break;
        }

        var problem = Assert.Single(ElevatorOptionsValidator.Problems(options));
        Assert.StartsWith(expected, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_busy_day_with_inspection_work_in_the_middle_raises_only_inspection_mode()
    {
        var options = new ElevatorOptions { Floors = 12 };
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 5, 1, 6, 0, 0, TimeSpan.Zero));
        var start = time.GetUtcNow();
        var machine = new ElevatorFaultMachine(options, time);
        var changes = new List<FaultChange>();
        void Feed(TimeSpan at, SignalUpdate update)
        {
            time.SetUtcNow(start + at);
            machine.Apply(update);
            while (machine.TryTakeChange(out var change))
            {
                changes.Add(change);
            }
        }

        var morning = ElevatorBench.NormalTrips(options, 300, seed: 5);
        foreach (var (at, update) in morning)
        {
            Feed(at, update);
        }

        // The technician: inspection on, car driven at inspection speed, stopped between floors on the car top
        // for 20 minutes, doors worked by hand, then the car brought down to the bottom landing and inspection off.
        var t = morning[^1].At + TimeSpan.FromSeconds(30);
        Feed(t, new SignalUpdate { InspectionMode = true, Presence = true });
        Feed(t += TimeSpan.FromSeconds(5), new SignalUpdate { SpeedMps = 0.3, DoorZone = false });
        Feed(t += TimeSpan.FromSeconds(4), new SignalUpdate { SpeedMps = 0 });
        Feed(t += TimeSpan.FromMinutes(20), new SignalUpdate { DoorClosed = false, DoorLockOk = false });
        Feed(t += TimeSpan.FromMinutes(5), new SignalUpdate { DoorClosed = true, DoorLockOk = true, CallButton = true });
        Feed(t += TimeSpan.FromMinutes(2), new SignalUpdate { CallButton = false, SpeedMps = -0.3 });
        Feed(t += TimeSpan.FromSeconds(30), new SignalUpdate { SpeedMps = 0, DoorZone = true, Floor = options.BottomFloor });
        Feed(t += TimeSpan.FromSeconds(10), new SignalUpdate { Presence = false });
        Feed(t += TimeSpan.FromSeconds(5), new SignalUpdate { InspectionMode = false });

        var afternoon = t + TimeSpan.FromSeconds(10);
        foreach (var (at, update) in ElevatorBench.NormalTrips(options, 300, seed: 6))
        {
            Feed(afternoon + at, update);
        }

        Assert.Equal([(AlertKinds.InspectionMode, AlertState.Raised), (AlertKinds.InspectionMode, AlertState.Cleared)],
            changes.Select(c => (c.Kind, c.State)));
        Assert.Equal("normal", machine.Mode);
        Assert.True(machine.InService);
    }
}
