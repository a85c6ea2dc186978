using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeGateway.Contracts;
using EdgeGateway.Contracts.Fleet;
using EdgeGateway.Core.Health;
using EdgeGateway.Core.Outbox;
using EdgeGateway.Host.Configuration;
using EdgeGateway.Host.Fleet;
using EdgeGateway.Host.Setup;
using EdgeGateway.Host.Tests.Setup;
using EdgeGateway.Uplink.Mqtt;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace EdgeGateway.Host.Tests.Fleet;

/// <summary>
/// The agent's decisions with fake time: what it reports, what it keeps in the fleet folder and which
/// configuration the box runs with afterwards. The link and the box's cameras and uplink are fakes.
/// </summary>
[Trait("Category", "Unit")]
public sealed class FleetAgentTests : IDisposable
{
    private static readonly TimeSpan Watch = TimeSpan.FromMinutes(2);
    private readonly TempDir _dir = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-03-01T08:00:00Z", CultureInfo.InvariantCulture));
    private readonly RecordingChannel _channel = new();
    private readonly FakeCameras _cameras = new();
    private readonly FakeUplink _uplink = new();
    private readonly CriticalAlarms _alarms = new(null);
    private ServiceProvider? _services;

    [Fact]
    public async Task A_document_the_validators_refuse_is_reported_invalid_with_every_line_and_nothing_changes()
    {
        var (agent, layering, store) = Start(validate: StartupValidation.Problems);
        var desired = DesiredConfig.Of(7, new JsonObject { ["Uplink"] = new JsonObject { ["Window"] = 0, ["Password"] = "x" } });

        await agent.HandleDesiredAsync(desired.Encode());

        var report = Assert.Single(_channel.Reports);
        Assert.Equal((7L, FleetConfigStatus.Invalid), (report.Version, report.Status));
        Assert.Contains("fleet key 'Uplink:Password' is refused; it can only be set in the box's own config file", report.Lines);
        Assert.Contains("Uplink:Window = 0: expected 1..65535", report.Lines);
        Assert.Null(store.InForce());
        Assert.Null(store.Watch());
        Assert.Equal("16", layering.Configuration["Uplink:Window"]);
    }

    [Fact]
    public async Task A_value_the_options_cannot_bind_is_reported_invalid_naming_the_key()
    {
        var (agent, _, store) = Start(validate: StartupValidation.Problems);

        await agent.HandleDesiredAsync(DesiredConfig.Of(7, new JsonObject { ["Uplink"] = new JsonObject { ["Window"] = "many" } }).Encode());

        var report = Assert.Single(_channel.Reports);
        Assert.Equal(FleetConfigStatus.Invalid, report.Status);
        Assert.Contains("Uplink:Window", Assert.Single(report.Lines), StringComparison.Ordinal);
        Assert.Null(store.InForce());
    }

    [Fact]
    public async Task A_payload_that_is_not_a_desired_document_is_reported_invalid_when_its_version_is_readable()
    {
        var (agent, _, _) = Start();

        await agent.HandleDesiredAsync("{\"version\": 9, \"sha256\": \"abc\", \"document\": {\"Outbox\": {}}}"u8.ToArray());
        await agent.HandleDesiredAsync("not json"u8.ToArray());

        var report = Assert.Single(_channel.Reports);
        Assert.Equal((9L, FleetConfigStatus.Invalid), (report.Version, report.Status));
        Assert.Contains("does not match its document", Assert.Single(report.Lines), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_change_to_the_elevator_waits_while_a_passenger_is_trapped_and_applies_once_it_clears()
    {
        var (agent, layering, store) = Start();
        _alarms.Observe(Alarm("trapped", AlertState.Raised));
        var desired = DesiredConfig.Of(3, new JsonObject { ["Elevator"] = new JsonObject { ["Probe"] = "new" } });

        await agent.HandleDesiredAsync(desired.Encode());
        _time.Advance(TimeSpan.FromMinutes(5));
        await agent.TickAsync();

        var deferred = Assert.Single(_channel.Reports);
        Assert.Equal(FleetConfigStatus.Deferred, deferred.Status);
        Assert.Equal("waiting for critical alarm 'trapped' of the elevator monitor to clear before restarting it (at most 00:30:00)", Assert.Single(deferred.Lines));
        Assert.Null(store.InForce());
        Assert.Null(layering.Configuration["Elevator:Probe"]);

        _alarms.Observe(Alarm("trapped", AlertState.Cleared));
        await agent.TickAsync();

        Assert.Equal(FleetConfigStatus.Pending, _channel.Reports[^1].Status);
        Assert.Equal(3, store.InForce()?.Version);
        Assert.Equal(3, store.Watch()?.Version);
        Assert.Equal("new", layering.Configuration["Elevator:Probe"]);
    }

    [Fact]
    public async Task A_camera_alarm_does_not_hold_back_a_change_that_restarts_only_the_elevator_and_the_deferral_has_a_limit()
    {
        var (agent, _, store) = Start();
        _alarms.Observe(Alarm("rat", AlertState.Raised, camera: "prep-1"));
        _alarms.Observe(Alarm("trapped", AlertState.Raised));

        await agent.HandleDesiredAsync(DesiredConfig.Of(4, new JsonObject { ["Outbox"] = new JsonObject { ["BudgetMB"] = 64 } }).Encode());
        Assert.Equal(FleetConfigStatus.Pending, Assert.Single(_channel.Reports).Status);
        Assert.Equal("takes effect at the next start of the service: Outbox", Assert.Single(_channel.Reports[0].Lines));

        await agent.HandleDesiredAsync(DesiredConfig.Of(5, new JsonObject { ["Elevator"] = new JsonObject { ["Probe"] = "new" } }).Encode());
        Assert.Equal(FleetConfigStatus.Deferred, _channel.Reports[^1].Status);
        _time.Advance(TimeSpan.FromMinutes(30));
        await agent.TickAsync();

        Assert.Equal(FleetConfigStatus.Pending, _channel.Reports[^1].Status);
        Assert.Contains("applied with critical alarm 'trapped' of the elevator monitor still raised after waiting 00:30:00", _channel.Reports[^1].Lines);
        Assert.Equal(5, store.InForce()?.Version);
    }

    [Fact]
    public async Task A_camera_that_stops_analysing_rolls_back_to_the_last_good_document_naming_the_gate_and_its_value()
    {
        var (agent, layering, store) = Start(cameras: true);
        var good = DesiredConfig.Of(1, new JsonObject { ["Probe"] = "good" });
        await agent.HandleDesiredAsync(good.Encode());
        await WatchAsync(agent, framesPerSecond: 5);
        Assert.Equal(FleetConfigStatus.Applied, _channel.Reports[^1].Status);

        var bad = DesiredConfig.Of(2, new JsonObject { ["Probe"] = "bad", ["Vision"] = new JsonObject { ["Probe"] = "slow" } });
        await agent.HandleDesiredAsync(bad.Encode());
        Assert.Equal("bad", layering.Configuration["Probe"]);
        await WatchAsync(agent, framesPerSecond: 0);

        var report = _channel.Reports[^1];
        Assert.Equal((2L, FleetConfigStatus.RolledBack), (report.Version, report.Status));
        Assert.Equal(new[] { "camera 'prep-1' analysed 0.0 fps; expected at least 2.5", "back to fleet version 1" }, report.Lines);
        Assert.Contains(report.Gates, g => g is { Name: "uplink", Passed: true });
        Assert.Equal(1, store.InForce()?.Version);
        Assert.Null(store.Watch());
        Assert.Equal("good", layering.Configuration["Probe"]);
        Assert.Null(layering.Configuration["Vision:Probe"]);
    }

    [Fact]
    public async Task A_document_that_passes_its_watch_is_reported_applied_with_the_gates_values_and_becomes_the_last_good()
    {
        var (agent, _, store) = Start(cameras: true);
        var desired = DesiredConfig.Of(6, new JsonObject { ["Probe"] = "new" });

        await agent.HandleDesiredAsync(desired.Encode());
        Assert.Equal(FleetConfigStatus.Pending, Assert.Single(_channel.Reports).Status);
        await WatchAsync(agent, framesPerSecond: 3);

        var report = _channel.Reports[^1];
        Assert.Equal((6L, FleetConfigStatus.Applied), (report.Version, report.Status));
        Assert.Equal(
            new[] { "uplink connected to mqtt://relay:1883", "camera 'prep-1' analysed 3.0 fps; expected at least 2.5", "no service faulted" },
            report.Gates.Select(g => g.Value));
        Assert.Equal(6, store.LastGood()?.Version);
        Assert.Null(store.Watch());
    }

    [Fact]
    public async Task A_lost_uplink_at_the_end_of_the_watch_rolls_back_to_the_boxs_own_file()
    {
        var (agent, layering, store) = Start();
        await agent.HandleDesiredAsync(DesiredConfig.Of(2, new JsonObject { ["Probe"] = "new" }).Encode());
        _uplink.Connected = false;
        await WatchAsync(agent, framesPerSecond: 0);

        var report = _channel.Reports[^1];
        Assert.Equal(FleetConfigStatus.RolledBack, report.Status);
        Assert.Equal(new[] { "uplink not connected to mqtt://relay:1883 (connection refused)", "back to the box's own config file" }, report.Lines);
        Assert.Null(store.InForce());
        Assert.Null(layering.Configuration["Probe"]);
    }

    [Fact]
    public async Task The_same_document_delivered_again_is_reported_again_and_nothing_else_happens()
    {
        var (agent, _, store) = Start();
        var desired = DesiredConfig.Of(11, new JsonObject { ["Probe"] = "new" });
        await agent.HandleDesiredAsync(desired.Encode());
        var started = store.Watch()!.Started;
        _time.Advance(TimeSpan.FromSeconds(30));

        await agent.HandleDesiredAsync(desired.Encode());
        await agent.ResendAsync();

        Assert.Equal(3, _channel.Reports.Count);
        Assert.All(_channel.Reports, r => Assert.Equal((11L, FleetConfigStatus.Pending), (r.Version, r.Status)));
        Assert.Equal(started, store.Watch()!.Started);
    }

    [Fact]
    public async Task After_a_restart_the_agent_says_its_last_report_again_and_resumes_the_unfinished_watch()
    {
        var (agent, _, _) = Start();
        await agent.HandleDesiredAsync(DesiredConfig.Of(12, new JsonObject { ["Probe"] = "new" }).Encode());
        _services!.Dispose();

        var (restarted, _, store) = Start();
        await restarted.ResendAsync();
        Assert.Equal((12L, FleetConfigStatus.Pending), (_channel.Reports[^1].Version, _channel.Reports[^1].Status));
        await WatchAsync(restarted, framesPerSecond: 0);

        Assert.Equal((12L, FleetConfigStatus.Applied), (_channel.Reports[^1].Version, _channel.Reports[^1].Status));
        Assert.Equal(12, store.LastGood()?.Version);
    }

    [Fact]
    public async Task The_first_cameras_of_a_box_that_started_without_any_are_said_to_take_effect_at_the_next_start()
    {
        var (agent, _, _) = Start();
        var cameras = new JsonArray(new JsonObject { ["Id"] = "prep-1", ["Url"] = "rtsp://10.0.0.5/1" });

        await agent.HandleDesiredAsync(DesiredConfig.Of(2, new JsonObject { ["Cameras"] = cameras, ["Outbox"] = new JsonObject { ["BudgetMB"] = 64 } }).Encode());

        Assert.Equal("takes effect at the next start of the service: Cameras, Outbox", Assert.Single(_channel.Reports[^1].Lines));
    }

    public void Dispose()
    {
        _services?.Dispose();
        _alarms.Dispose();
        _dir.Dispose();
    }

    /// <summary>Runs the watch to its end with fake time, the camera analysing <paramref name="framesPerSecond"/>.</summary>
    private async Task WatchAsync(FleetAgent agent, double framesPerSecond)
    {
        for (var second = 0; second < Watch.TotalSeconds; second++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            _cameras.Frames += framesPerSecond;
            await agent.TickAsync();
        }
    }

    private (FleetAgent Agent, FleetLayering Layering, FleetStore Store) Start(Func<IConfiguration, IReadOnlyList<string>>? validate = null, bool cameras = false)
    {
        var file = new JsonObject
        {
            ["Device"] = new JsonObject { ["Id"] = "kitchen-0042", ["Site"] = "xuhui-0193" },
            ["Storage"] = new JsonObject { ["DataDir"] = _dir.File("data") },
            ["Uplink"] = new JsonObject { ["Broker"] = "mqtt://127.0.0.1:1883", ["Window"] = 16 },
            ["Diagnostics"] = new JsonObject { ["Url"] = "http://127.0.0.1:0" },
        };
        if (cameras)
        {
            file["Cameras"] = new JsonArray(new JsonObject { ["Id"] = "prep-1", ["Url"] = "rtsp://10.0.0.5/1", ["AnalysisFps"] = 5 });
        }

        var path = _dir.File("gateway.json");
        File.WriteAllText(path, file.ToJsonString());
        var loaded = GatewayConfigLoader.Load(path, true, ConfigFileUse.Required, new Dictionary<string, string?>(), TextWriter.Null, FleetStart.Run, _time);
        var store = new FleetStore(_dir.File("data"), line => throw new InvalidOperationException(line));
        _services = new ServiceCollection()
            .AddSingleton<ICameraMonitor>(_cameras)
            .AddSingleton<IUplinkMonitor>(_uplink)
            .BuildServiceProvider();
        var agent = new FleetAgent(store, loaded.Fleet!, _channel, new FleetHealthGates(_services, loaded.Fleet!.Configuration), _alarms,
            validate ?? (_ => []), Options.Create(new FleetOptions { HealthWatch = Watch }), _time, NullLogger<FleetAgent>.Instance);
        return (agent, loaded.Fleet, store);
    }

    private Alert Alarm(string kind, AlertState state, string? camera = null) => new()
    {
        Id = Guid.NewGuid(),
        DeviceId = "kitchen-0042",
        SiteId = "xuhui-0193",
        Sequence = 1,
        Kind = kind,
        Severity = AlertSeverity.Critical,
        State = state,
        TimestampMs = _time.GetUtcNow().ToUnixTimeMilliseconds(),
        Attributes = camera is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["camera"] = camera },
    };

    private sealed class RecordingChannel : IFleetConfigChannel
    {
        public List<ConfigReport> Reports { get; } = [];

        public Action<ReadOnlyMemory<byte>>? DesiredReceived { get; set; }

        public Action? Subscribed { get; set; }

        public Task<UplinkSendResult> ReportAsync(ReadOnlyMemory<byte> report, CancellationToken cancellationToken)
        {
            Assert.True(ConfigReport.TryDecode(report.Span, out var decoded, out var problem), problem);
            Reports.Add(decoded!);
            return Task.FromResult(UplinkSendResult.Confirmed(1));
        }
    }

    private sealed class FakeCameras : ICameraMonitor
    {
        public double Frames { get; set; }

        public IReadOnlyList<CameraHealth> GetHealth() => [new("prep-1", "kitchen", true, (long)Frames, (long)Frames, 0, 0, 0, null, 5)];

        public bool TryGetLatestAnnotatedJpeg(string cameraId, out ReadOnlyMemory<byte> jpeg)
        {
            jpeg = default;
            return false;
        }
    }

    private sealed class FakeUplink : IUplinkMonitor
    {
        public bool Connected { get; set; } = true;

        public UplinkHealth GetHealth() => new(Connected, "mqtt://relay:1883", new Dictionary<OutboxClass, long>(), null, 0, 0, Connected ? null : "connection refused");
    }
}
