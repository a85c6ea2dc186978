using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using EdgeGateway.Contracts;
using EdgeGateway.Contracts.Fleet;
using EdgeGateway.Host.Fleet;
using CloudRelay.Hosting;
using EdgeGateway.Host.Configuration;
using EdgeGateway.Host.Gateway;
using EdgeGateway.Host.Setup;
using EdgeGateway.Host.Tests.Setup;
using EdgeGateway.Simulation;
using EdgeGateway.Simulation.Physics;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace EdgeGateway.Host.Tests.Fleet;

/// <summary>
/// Fleet configuration as an operator drives it: layers set on a real relay through its REST API, delivered over its
/// embedded broker to real <c>edgegw run</c> processes, and their reports read back from the relay.
/// </summary>
[Trait("Category", "Integration")]
public sealed class FleetRelayEndToEndTests(FleetRelayFixture fleet, ITestOutputHelper output) : IClassFixture<FleetRelayFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => fleet.ResetAsync();

    public Task DisposeAsync()
    {
        foreach (var box in fleet.Boxes)
        {
            output.WriteLine($"{box}: {box.Process?.Output()}");
        }

        return Task.CompletedTask;
    }

    [Fact]
    public async Task Site_and_device_layers_reach_each_box_merged_widest_first_and_a_box_outside_the_site_gets_only_all()
    {
        var all = new JsonObject { ["Outbox"] = new JsonObject { ["StatusTtl"] = "02:00:00" } };
        var siteA = new JsonObject { ["Outbox"] = new JsonObject { ["StatusTtl"] = "03:00:00" } };
        var box1 = new JsonObject { ["Cameras"] = new JsonArray(FleetRelayFixture.Camera("k1", FleetRelayFixture.Clip, analysisFps: 4)) };
        var before = await VersionsAsync();

        await fleet.SetLayerAsync("all", all);
        await fleet.SetLayerAsync("site:site-a", siteA);
        await fleet.SetLayerAsync("device:site-a/box-1", box1);

        var expected = new Dictionary<string, JsonObject>
        {
            ["box-1"] = MergePatch.Merge([all, siteA, box1]),
            ["box-2"] = MergePatch.Merge([all, siteA]),
            ["box-3"] = MergePatch.Merge([all]),
        };
        foreach (var box in fleet.Boxes)
        {
            // The relay's desired document is the merge; the box applies exactly those bytes.
            var desired = await WaitForDesiredAsync(box, expected[box.Device]);
            Assert.True(desired.Version > before[box.Device], $"{box}: version {desired.Version} after {before[box.Device]}");
            var applied = await fleet.WaitForReportAsync(box, desired.Version, FleetConfigStatus.Applied);
            Assert.Equal(FleetDocument.Sha256(expected[box.Device]), applied.Sha256);
            Assert.All(applied.Gates, g => Assert.True(g.Passed, $"{box}: {g.Value}"));
            Assert.Equal(desired.Version, box.Store().InForce()?.Version);
        }

        // The device layer took effect on box-1: its camera is measured against the fleet's 4 fps, not the file's 2.
        var box1Report = (await fleet.ReportedAsync("site-a", "box-1"))!;
        var camera = Assert.Single(box1Report.Gates, g => g.Name == "camera k1");
        Assert.EndsWith("expected at least 2.0", camera.Value, StringComparison.Ordinal);
        Assert.Contains((await fleet.ReportedAsync("site-a", "box-2"))!.Gates, g => g is { Name: "elevator", Passed: true });
    }

    [Fact]
    public async Task An_invalid_layer_is_refused_by_the_box_with_the_validators_line_and_its_camera_keeps_analysing()
    {
        var box = fleet.Box("box-3");
        var inForce = box.Store().InForce()?.Version;
        var before = (await fleet.DesiredAsync(box))?.Version ?? 0;
        var camera = FleetRelayFixture.Camera("k3", FleetRelayFixture.Clip, analysisFps: 2);
        camera["AnalysisFps"] = -1;
        await fleet.SetLayerAsync("device:site-b/box-3", new JsonObject { ["Cameras"] = new JsonArray(camera) });
        var desired = await fleet.WaitForDesiredAsync(box, before);

        var refused = await fleet.WaitForReportAsync(box, desired.Version, FleetConfigStatus.Invalid);

        output.WriteLine(string.Join("\n", refused.Lines));
        Assert.Contains("Cameras:0:AnalysisFps = '-1': expected more than 0 and at most 30", refused.Lines);
        Assert.False(box.Process!.Process.HasExited, box.Process.Output());
        Assert.Equal(inForce, box.Store().InForce()?.Version);

        // The camera still analyses: the next version (the layer cleared) passes its camera gate with a measured rate.
        await fleet.ClearLayerAsync("device:site-b/box-3");
        var next = await fleet.WaitForDesiredAsync(box, after: desired.Version);
        var applied = await fleet.WaitForReportAsync(box, next.Version, FleetConfigStatus.Applied);
        Assert.Contains(applied.Gates, g => g is { Name: "camera k3", Passed: true });
    }

    [Fact]
    public async Task A_camera_pointed_at_a_missing_file_rolls_back_within_the_watch_and_the_box_runs_its_old_camera_again()
    {
        var box = fleet.Box("box-1");
        var lastGood = box.Store().LastGood()?.Version;
        var before = (await fleet.DesiredAsync(box))?.Version ?? 0;
        var missing = Path.Combine(Path.GetTempPath(), $"no-such-clip-{Guid.NewGuid():N}.mp4");
        await fleet.SetLayerAsync("device:site-a/box-1", new JsonObject { ["Cameras"] = new JsonArray(FleetRelayFixture.Camera("k1", missing, analysisFps: 2)) });
        var desired = await fleet.WaitForDesiredAsync(box, before);

        var rolledBack = await fleet.WaitForReportAsync(box, desired.Version, FleetConfigStatus.RolledBack);

        output.WriteLine(string.Join("\n", rolledBack.Lines));
        Assert.Contains(rolledBack.Lines, l => l.StartsWith("camera 'k1' analysed 0.0 fps; expected at least 1.0", StringComparison.Ordinal));
        Assert.Contains(rolledBack.Gates, g => g is { Name: "camera k1", Passed: false });
        Assert.Equal(lastGood, box.Store().InForce()?.Version);

        // The old camera runs again: the box's log names the missing file, then camera k1 opens the clip after it.
        await EdgeGateway.Testing.Eventually.HoldsAsync(() => ClipOpenedAfter(box, Path.GetFileName(missing)), FleetRelayFixture.Patience,
            "camera k1 to open its clip after the missing file", () => "\n" + box.Process!.Output());

        // And it analyses: the next version, which leaves the camera alone, passes its gate.
        await fleet.ClearLayerAsync("device:site-a/box-1");
        var next = await fleet.WaitForDesiredAsync(box, desired.Version);
        var applied = await fleet.WaitForReportAsync(box, next.Version, FleetConfigStatus.Applied);
        Assert.Contains(applied.Gates, g => g is { Name: "camera k1", Passed: true });
    }

    [Fact]
    public async Task A_box_killed_during_its_watch_restarts_on_its_last_good_configuration_and_reports_rolled_back()
    {
        var box = fleet.Box("box-3");
        // A long watch in the box's own file, so each kill lands inside it however slowly the box starts.
        var longWatch = box.Config.DeepClone().AsObject();
        longWatch["Fleet"]!["HealthWatch"] = "00:10:00";
        await RestartAsync(box, longWatch);
        try
        {
            var lastGood = box.Store().LastGood()?.Version;
            var before = (await fleet.DesiredAsync(box))?.Version ?? 0;
            await fleet.SetLayerAsync("device:site-b/box-3", new JsonObject { ["Outbox"] = new JsonObject { ["StatusTtl"] = "04:00:00" } });
            var desired = await fleet.WaitForDesiredAsync(box, before);
            await fleet.WaitForReportAsync(box, desired.Version, FleetConfigStatus.Pending);

            // kill -9 during the watch, twice: the first start applied the document, the second resumed its watch.
            for (var start = 1; start <= 2; start++)
            {
                Assert.Equal(desired.Version, box.Store().Watch()?.Version);
                Assert.Equal(start - 1, box.Store().Watch()?.FailedStarts);
                box.Process!.Process.Kill();
                await box.Process.WaitForExitAsync(TimeSpan.FromSeconds(30));
                await fleet.WaitOnlineAsync(box, online: false);
                output.WriteLine($"start {start}: killed during the watch\n{box.Process.Output()}");
                box.Process.Dispose();
                FleetRelayFixture.Start(box); // As systemd's Restart=on-failure would.
                await fleet.WaitOnlineAsync(box, online: true);
            }

            var rolledBack = await fleet.WaitForReportAsync(box, desired.Version, FleetConfigStatus.RolledBack);

            var backTo = lastGood is { } version ? $"fleet version {version}" : "the box's own config file";
            Assert.Equal($"the service did not finish its health watch in 2 starts; back to {backTo}", Assert.Single(rolledBack.Lines));
            Assert.Equal(lastGood, box.Store().InForce()?.Version);
            Assert.Null(box.Store().Watch());
            Assert.False(box.Process!.Process.HasExited, box.Process.Output());
        }
        finally
        {
            await RestartAsync(box, box.Config);
        }
    }

    [Fact]
    public async Task A_layer_that_arrives_while_a_passenger_is_trapped_is_deferred_naming_the_alarm_and_applied_after_the_rescue()
    {
        // The one box the test must drive from inside: the simulated car is stopped between floors with a passenger.
        // It is run's own host (its loader with the fleet document, its agent) built in this process, on the same relay.
        var credentials = await fleet.Relay.RegisterDeviceAsync("site-a", "lift-4");
        using var dir = new TempDir();
        var config = fleet.OwnConfig("site-a", "lift-4", credentials, dir.File("data"));
        config["Elevator"] = new JsonObject { ["Board"] = "simulated", ["TrappedAfter"] = "00:00:03" };
        var path = EdgegwRun.WriteConfig(dir.File("gateway.json"), config);
        var loaded = GatewayConfigLoader.Load(path, pathGiven: true, ConfigFileUse.Required, new Dictionary<string, string?>(), TextWriter.Null, FleetStart.Run, time: null);
        Assert.Null(loaded.Problem);
        var trapped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var cleared = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        fleet.Relay.AlertFeed().AlertStored += (_, stored) =>
        {
            if (stored.Alert is { DeviceId: "lift-4", Kind: AlertKinds.Trapped })
            {
                (stored.Alert.State == AlertState.Raised ? trapped : cleared).TrySetResult();
            }
        };

        await using var lift = GatewayApp.Build(loaded.Configuration, app => app.Services.AddFleetAgent(loaded.Fleet!));
        await lift.StartAsync();
        try
        {
            var rig = lift.Services.GetRequiredService<SimulatedElevatorRig>();
            rig.Car.StopBetweenFloorsNextRun = true;
            rig.Car.Enqueue(new Trip(rig.Car.NearestFloor == 5 ? 8 : 5, 1, TimeSpan.FromSeconds(3)));
            await trapped.Task.WaitAsync(FleetRelayFixture.Patience);

            var before = (await fleet.DesiredAsync("site-a", "lift-4"))?.Version ?? 0;
            await fleet.SetLayerAsync("device:site-a/lift-4", new JsonObject { ["Elevator"] = new JsonObject { ["StatusIntervalIdle"] = "00:00:30" } });
            DesiredConfig? desired = null;
            await EdgeGateway.Testing.Eventually.HoldsAsync(async () => (desired = await fleet.DesiredAsync("site-a", "lift-4")) is { } d && d.Version > before,
                FleetRelayFixture.Patience, "the lift's new desired version");

            var deferred = await fleet.WaitForReportAsync("site-a", "lift-4", desired!.Version, [FleetConfigStatus.Deferred]);
            Assert.Equal("waiting for critical alarm 'trapped' of the elevator monitor to clear before restarting it (at most 00:30:00)", Assert.Single(deferred.Lines));

            rig.Car.Rescue();
            await cleared.Task.WaitAsync(FleetRelayFixture.Patience);
            var applied = await fleet.WaitForReportAsync("site-a", "lift-4", desired.Version, [FleetConfigStatus.Applied]);
            Assert.Contains(applied.Gates, g => g is { Name: "elevator", Passed: true });
        }
        finally
        {
            await lift.StopAsync();
            await fleet.ClearLayerAsync("device:site-a/lift-4");
        }
    }

    [Fact]
    public async Task A_forbidden_key_is_refused_by_the_relay_naming_the_key_and_no_box_gets_a_new_version()
    {
        var before = await VersionsAsync();

        var response = await fleet.PutLayerAsync("all", new JsonObject { ["Uplink"] = new JsonObject { ["Password"] = "stolen" } });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsArray().Select(e => e!.GetValue<string>());
        Assert.Equal(["fleet key 'Uplink:Password' is refused; it can only be set in the box's own config file"], errors);
        Assert.Empty((await fleet.Operator.GetFromJsonAsync<JsonObject>("/api/fleet/config"))!["items"]!.AsArray());
        Assert.Equal(before, await VersionsAsync());
        // A device cannot publish on another box's config/desired, so a forbidden key can only reach a box from a
        // relay that let it through: that refusal on the box is FleetAgentTests' (same line, status invalid).
    }

    /// <summary>The box's log tried <paramref name="missing"/> and, after its last mention, camera k1 opened the fixture's clip.</summary>
    private static bool ClipOpenedAfter(FleetBox box, string missing)
    {
        var lines = box.Process!.Output().Split('\n');
        var lastMissing = Array.FindLastIndex(lines, l => l.Contains(missing, StringComparison.Ordinal));
        return lastMissing >= 0 && lines.Skip(lastMissing + 1).Any(l =>
            l.Contains("Camera k1: opened ", StringComparison.Ordinal) && l.Contains(Path.GetFileName(FleetRelayFixture.Clip), StringComparison.Ordinal));
    }

    private async Task RestartAsync(FleetBox box, JsonObject config)
    {
        await box.Process!.TerminateAsync();
        box.Process.Dispose();
        await fleet.WaitOnlineAsync(box, online: false);
        FleetRelayFixture.WriteConfig(box, config);
        FleetRelayFixture.Start(box);
        await fleet.WaitOnlineAsync(box, online: true);
    }

    private async Task<Dictionary<string, long>> VersionsAsync()
    {
        var versions = new Dictionary<string, long>();
        foreach (var box in fleet.Boxes)
        {
            versions[box.Device] = (await fleet.DesiredAsync(box))?.Version ?? 0;
        }

        return versions;
    }

    private async Task<DesiredConfig> WaitForDesiredAsync(FleetBox box, JsonObject document)
    {
        DesiredConfig? desired = null;
        await EdgeGateway.Testing.Eventually.HoldsAsync(async () => (desired = await fleet.DesiredAsync(box)) is { } d && d.Sha256 == FleetDocument.Sha256(document),
            FleetRelayFixture.Patience, $"the relay's desired document of {box} to be {document.ToJsonString()}", () => $"; it is {desired?.Document.ToJsonString()}");
        return desired!;
    }
}
