using System.Device.Gpio;
using System.Collections.Concurrent;
using EdgeGateway.Core.Alerts;
using EdgeGateway.Core.Elevator;
using EdgeGateway.Core.Health;
using EdgeGateway.Elevator.Hardware;
using EdgeGateway.Elevator.Machine;
using EdgeGateway.Elevator.Maintenance;
using EdgeGateway.Simulation;
using EdgeGateway.Simulation.Physics;
using EdgeGateway.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Elevator.Tests;

/// <summary>The DI wiring end to end: hosted sampler and consumer over the simulator, alerts out, monitor, check-in.</summary>
[Trait("Category", "Integration")]
public sealed class ElevatorServiceTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("edgegw-elevator-").FullName;

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    private (IHost Host, SimulatedElevatorRig Rig, CollectingAlertSink Sink) Start(
        Dictionary<string, string?>? extra = null, bool ebikeResponder = false, IElevatorStatusSink? statusSink = null,
        IElevatorStatisticsSink? statisticsSink = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Storage:DataDir"] = _dataDir,
            ["Elevator:Board"] = "simulated",
            ["Elevator:BoardProfile"] = Path.Combine(RepoPaths.Root, "hardware", "profiles", "simulated.json"),
            ["Elevator:AlarmButtonHold"] = "00:00:00.5",
        };
        foreach (var (key, value) in extra ?? [])
        {
            settings[key] = value;
        }

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        var sink = new CollectingAlertSink();
        builder.Services.AddSingleton<IAlertSink>(sink);
        if (statusSink is not null)
        {
            builder.Services.AddSingleton(statusSink);
        }

        if (statisticsSink is not null)
        {
            builder.Services.AddSingleton(statisticsSink);
        }
        builder.Services.AddEdgeElevator(builder.Configuration);
        if (ebikeResponder)
        {
            builder.Services.AddEbikeResponder();
        }

        var profile = BoardProfileLoader.Load(settings["Elevator:BoardProfile"]!);
        var rig = new SimulatedElevatorRig(new BuildingModel(), SimulatedBox.PinMap(profile), SimulationNoise.None);
        builder.Services.AddSingleton<GpioDriver>(rig.Gpio);
        builder.Services.AddSingleton(new ElevatorI2cDevices(rig.Accelerometer, rig.Barometer));
        var host = builder.Build();
        host.Start();

        // The bindings reset the chips as the sampler starts; give them a first conversion.
        rig.Advance(TimeSpan.FromMilliseconds(20));
        return (host, rig, sink);
    }

    private static async Task<T> Eventually<T>(Func<T?> probe, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            if (probe() is { } value)
            {
                return value;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException(what);
    }

    [Fact]
    public async Task Alarm_held_on_the_simulated_board_reaches_the_alert_sink_and_the_snapshot()
    {
        var (host, rig, sink) = Start();
        using (host)
        {
            rig.Car.PressAlarm(true);
            var raised = await Eventually(() => sink.Alerts.FirstOrDefault(a => a.Kind == AlertKinds.AlarmButton), "alarm_button raised");
            Assert.Equal(AlertState.Raised, raised.State);
            Assert.Equal("1", raised.Attributes["floor"]);

            var monitor = host.Services.GetRequiredService<IElevatorMonitor>();
            var snapshot = await Eventually(() => monitor.GetSnapshot() is { } s && s.ActiveFaults.Contains(AlertKinds.AlarmButton) ? s : null, "snapshot");
            Assert.True(snapshot.Inputs["alarm_button"]);
            Assert.Equal(1, snapshot.Floor);
            Assert.StartsWith("stateDiagram-v2", monitor.StateDiagramMermaid, StringComparison.Ordinal);

            rig.Car.PressAlarm(false);
            await Eventually(() => sink.Alerts.FirstOrDefault(a => a.Kind == AlertKinds.AlarmButton && a.State == AlertState.Cleared), "alarm_button cleared");
            Assert.Equal(2, sink.Alerts.Count(a => a.Kind == AlertKinds.AlarmButton));
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task A_reloaded_alarm_hold_keeps_the_raised_alarm_without_a_second_raise_and_applies_to_the_next_press()
    {
        var (host, rig, sink) = Start();
        using (host)
        {
            rig.Car.PressAlarm(true);
            await Eventually(() => sink.Alerts.FirstOrDefault(a => a.Kind == AlertKinds.AlarmButton), "alarm_button raised");

            // As the host applies a fleet document: the provider's data changes and the configuration reloads.
            var configuration = (IConfigurationRoot)host.Services.GetRequiredService<IConfiguration>();
            configuration.Providers.OfType<MemoryConfigurationProvider>().Single(p => p.TryGet("Elevator:AlarmButtonHold", out _)).Set("Elevator:AlarmButtonHold", "00:00:02");
            configuration.Reload();
            // Still held, longer than the new hold: a machine that forgot the raise would raise again.
            await Task.Delay(TimeSpan.FromSeconds(3));
            Assert.Single(sink.Alerts, a => a.Kind == AlertKinds.AlarmButton);

            rig.Car.PressAlarm(false);
            await Eventually(() => sink.Alerts.FirstOrDefault(a => a.Kind == AlertKinds.AlarmButton && a.State == AlertState.Cleared), "alarm_button cleared");
            var pressedAt = DateTimeOffset.UtcNow;
            rig.Car.PressAlarm(true);
            var again = await Eventually(() => sink.Alerts.Skip(2).FirstOrDefault(a => a.Kind == AlertKinds.AlarmButton), "alarm_button raised again");
            await host.StopAsync();

            Assert.Equal([AlertState.Raised, AlertState.Cleared, AlertState.Raised], sink.Alerts.Where(a => a.Kind == AlertKinds.AlarmButton).Select(a => a.State));
            // The new 2 s hold, not the old 0.5 s (a slow machine only makes it later).
            var held = DateTimeOffset.FromUnixTimeMilliseconds(again.TimestampMs) - pressedAt;
            Assert.True(held >= TimeSpan.FromSeconds(1.8), $"raised {held.TotalSeconds:F2} s after the press");
        }
    }

    [Fact]
    public async Task Status_goes_to_the_status_sink_with_floor_direction_and_door()
    {
        var statuses = new CollectingStatusSink();
        var (host, rig, _) = Start(statusSink: statuses);
        using (host)
        {
            var first = await Eventually(() => statuses.Items.FirstOrDefault(), "first status");
            Assert.Equal((1, "stopped", "closed", true), (first.Floor, first.Direction, first.Door, first.InService));

            // The car's doors open: a status follows at once, not after the idle heartbeat.
            rig.Car.Enqueue(new Trip(3, 1, TimeSpan.FromSeconds(30)));
            rig.Advance(TimeSpan.FromSeconds(2.5));
            var open = await Eventually(() => statuses.Items.FirstOrDefault(s => s.Door == "open"), "door open status");
            Assert.Equal(1, open.Floor);
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task Run_statistics_go_upstream_every_interval_and_survive_a_restart()
    {
        var statistics = new CollectingStatisticsSink();
        var settings = new Dictionary<string, string?> { ["Elevator:StatisticsInterval"] = "00:00:00.5" };
        var (host, rig, _) = Start(settings, statisticsSink: statistics);
        using (host)
        {
            // The doors open for a call: one door cycle.
            rig.Car.Enqueue(new Trip(3, 1, TimeSpan.FromSeconds(30)));
            rig.Advance(TimeSpan.FromSeconds(2.5));
            var counted = await Eventually(() => statistics.Items.FirstOrDefault(s => s.DoorCycles == 1), "statistics with one door cycle");
            Assert.Equal(0, counted.Runs);
            await host.StopAsync();
        }

        Assert.Equal(1, new Service.StatisticsStore(_dataDir).Load()!.DoorCycles);
        var (again, _, _) = Start(settings);
        using (again)
        {
            var monitor = again.Services.GetRequiredService<IElevatorMonitor>();
            var snapshot = await Eventually(() => monitor.GetSnapshot() is { Statistics.DoorCycles: 1 } s ? s : null, "restored statistics");
            Assert.Equal("normal", snapshot.Mode);
            Assert.Equal("E07", snapshot.Codes[AlertKinds.Trapped]);
            await again.StopAsync();
        }
    }

    private sealed class CollectingStatisticsSink : IElevatorStatisticsSink
    {
        public ConcurrentQueue<ElevatorStatistics> Items { get; } = new();

        public ValueTask PublishStatisticsAsync(ElevatorStatistics statistics, CancellationToken cancellationToken = default)
        {
            Items.Enqueue(statistics);
            return ValueTask.CompletedTask;
        }
    }

    private sealed class CollectingStatusSink : IElevatorStatusSink
    {
        public ConcurrentQueue<ElevatorStatus> Items { get; } = new();

        public ValueTask PublishStatusAsync(ElevatorStatus status, CancellationToken cancellationToken = default)
        {
            Items.Enqueue(status);
            return ValueTask.CompletedTask;
        }
    }

    [Fact]
    public async Task Maintenance_check_in_is_durable_and_clears_overdue()
    {
        // Last visit 20 days ago: overdue at start.
        new MaintenanceLog(_dataDir).CheckIn("Li Na", DateTimeOffset.UtcNow.AddDays(-20));
        var (host, _, sink) = Start();
        using (host)
        {
            var raised = await Eventually(() => sink.Alerts.FirstOrDefault(a => a.Kind == AlertKinds.MaintenanceOverdue), "maintenance_overdue raised");

            var monitor = host.Services.GetRequiredService<IElevatorMonitor>();
            await monitor.CheckInMaintenanceAsync("Wang Wei");

            var cleared = await Eventually(() => sink.Alerts.FirstOrDefault(a => a.Kind == AlertKinds.MaintenanceOverdue && a.State == AlertState.Cleared), "cleared");
            Assert.Equal(AlertState.Raised, raised.State);
            Assert.True(cleared.Sequence > raised.Sequence, $"cleared (sequence {cleared.Sequence}) after raised ({raised.Sequence})");
            Assert.Single(sink.Alerts, a => a.Kind == AlertKinds.MaintenanceOverdue && a.State == AlertState.Cleared);
            Assert.Equal("Wang Wei", new MaintenanceLog(_dataDir).Last()!.Technician);
            var snapshot = await Eventually(() => monitor.GetSnapshot() is { LastMaintenance: not null } s && s.LastMaintenance > DateTimeOffset.UtcNow.AddMinutes(-1) ? s : null, "snapshot");
            Assert.DoesNotContain(AlertKinds.MaintenanceOverdue, snapshot.ActiveFaults);
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task Ebike_alert_from_the_vision_pipeline_holds_the_door_and_plays_the_prompt()
    {
        var (host, rig, sink) = Start(ebikeResponder: true);
        using (host)
        {
            var profile = host.Services.GetRequiredService<BoardProfile>();
            var alerts = host.Services.GetRequiredService<IAlertSink>();
            var draft = new AlertDraft(AlertKinds.EbikeInCar, AlertSeverity.Warning, AlertState.Raised,
                new Dictionary<string, string> { ["camera"] = "car-1", ["label"] = "motorcycle", ["score"] = "0.91" });

            var published = await alerts.PublishAsync(draft);

            Assert.Equal(PinValue.High, rig.Gpio.OutputLevel(profile.Outputs[ElevatorSignals.DoorHoldRelay].Pin));
            Assert.Equal(PinValue.High, rig.Gpio.OutputLevel(profile.Outputs[ElevatorSignals.VoiceTrigger].Pin));
            var forwarded = Assert.Single(sink.Alerts);
            Assert.Equal(published, forwarded);
            Assert.Equal("motorcycle", forwarded.Attributes["label"]);
            Assert.Equal("E19", forwarded.Attributes["code"]);

            await alerts.PublishAsync(draft with { State = AlertState.Cleared });
            Assert.Equal(PinValue.Low, rig.Gpio.OutputLevel(profile.Outputs[ElevatorSignals.DoorHoldRelay].Pin));
            Assert.Equal(PinValue.Low, rig.Gpio.OutputLevel(profile.Outputs[ElevatorSignals.VoiceTrigger].Pin));
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task Door_hold_can_be_switched_off_in_config_while_the_prompt_still_plays()
    {
        var (host, rig, _) = Start(new() { ["Elevator:EbikeDoorHold"] = "false" }, ebikeResponder: true);
        using (host)
        {
            var profile = host.Services.GetRequiredService<BoardProfile>();
            await host.Services.GetRequiredService<IAlertSink>().PublishAsync(new AlertDraft(AlertKinds.EbikeInCar, AlertSeverity.Warning, AlertState.Raised));

            Assert.Equal(PinValue.Low, rig.Gpio.OutputLevel(profile.Outputs[ElevatorSignals.DoorHoldRelay].Pin));
            Assert.Equal(PinValue.High, rig.Gpio.OutputLevel(profile.Outputs[ElevatorSignals.VoiceTrigger].Pin));
            await host.StopAsync();
        }
    }

    [Fact]
    public void Bad_elevator_config_fails_at_start_with_one_line_per_problem()
    {
        var ex = Assert.Throws<OptionsValidationException>(() => Start(new()
        {
            ["Elevator:Floors"] = "1",
            ["Elevator:TrappedAfter"] = "-00:00:05",
            ["Elevator:Board"] = "rpi3",
        }));

        Assert.Contains("Elevator:Floors = '1': expected a floor count from 2 to 200", ex.Failures);
        Assert.Contains("Elevator:TrappedAfter = '-00:00:05': expected a positive duration", ex.Failures);
        Assert.Contains("Elevator:Board = 'rpi3': expected one of rpi4, rpi5, simulated", ex.Failures);
    }
}
