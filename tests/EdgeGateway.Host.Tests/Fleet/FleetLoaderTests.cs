using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeGateway.Contracts.Fleet;
using EdgeGateway.Host.Configuration;
using EdgeGateway.Host.Fleet;
using EdgeGateway.Host.Tests.Setup;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Time.Testing;

namespace EdgeGateway.Host.Tests.Fleet;

/// <summary>
/// The one loader with a fleet document in force: file, then the document, then the environment, then the flags;
/// arrays replace; a broken fleet file is one line and the box runs on its own file; unfinished watches count starts.
/// </summary>
[Trait("Category", "Unit")]
public sealed class FleetLoaderTests : IDisposable
{
    private readonly TempDir _dir = new();

    [Fact]
    public void The_document_wins_over_the_file_and_loses_to_the_environment_and_the_flags()
    {
        var config = WriteConfig(new JsonObject
        {
            ["Probe"] = new JsonObject { ["FileOnly"] = "file", ["Fleet"] = "file", ["Env"] = "file", ["Flag"] = "file" },
        });
        InForce(1, new JsonObject { ["Probe"] = new JsonObject { ["Fleet"] = "fleet", ["Env"] = "fleet", ["Flag"] = "fleet" } });
        Environment.SetEnvironmentVariable("EDGEGW_Probe__Env", "env");
        Environment.SetEnvironmentVariable("EDGEGW_Probe__Flag", "env");
        try
        {
            var loaded = Load(config, new Dictionary<string, string?> { ["Probe:Flag"] = "flag" });

            Assert.Null(loaded.Problem);
            Assert.Equal(1, loaded.FleetInForce?.Version);
            Assert.Equal("file", loaded.Configuration["Probe:FileOnly"]);
            Assert.Equal("fleet", loaded.Configuration["Probe:Fleet"]);
            Assert.Equal("env", loaded.Configuration["Probe:Env"]);
            Assert.Equal("flag", loaded.Configuration["Probe:Flag"]);
        }
        finally
        {
            Environment.SetEnvironmentVariable("EDGEGW_Probe__Env", null);
            Environment.SetEnvironmentVariable("EDGEGW_Probe__Flag", null);
        }
    }

    [Fact]
    public void A_camera_list_from_the_fleet_replaces_the_files_list_instead_of_merging_by_index()
    {
        var config = WriteConfig(new JsonObject
        {
            ["Cameras"] = new JsonArray(Camera("prep-1", "rtsp://a"), Camera("prep-2", "rtsp://b"), Camera("wash-1", "rtsp://c")),
        });
        InForce(3, new JsonObject { ["cameras"] = new JsonArray(new JsonObject { ["Id"] = "hall-1", ["Url"] = "rtsp://x" }) });

        var cameras = Load(config).Configuration.GetSection("Cameras").GetChildren().ToList();

        var only = Assert.Single(cameras);
        Assert.Equal("hall-1", only["Id"]);
        Assert.Equal("rtsp://x", only["Url"]);
        Assert.Null(only["Record"]);
    }

    [Fact]
    public void A_corrupt_fleet_file_is_one_line_naming_it_and_the_box_runs_on_its_own_file()
    {
        var config = WriteConfig(new JsonObject { ["Probe"] = new JsonObject { ["Value"] = "file" } });
        Directory.CreateDirectory(FleetFolder);
        File.WriteAllText(Path.Combine(FleetFolder, "in-force.json"), "{\"version\": 4, \"sha256\": \"00\", \"document\": {\"Probe\": {\"Value\": \"fleet\"}}}");
        var warnings = new StringWriter();

        var loaded = Load(config, warnings: warnings);

        Assert.Null(loaded.Problem);
        Assert.Null(loaded.FleetInForce);
        Assert.Equal("file", loaded.Configuration["Probe:Value"]);
        var line = Assert.Single(warnings.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(Path.Combine(FleetFolder, "in-force.json"), line, StringComparison.Ordinal);
        Assert.Contains("does not match its document", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Swapping_the_document_reloads_the_running_configuration_and_fires_its_reload_token()
    {
        var config = WriteConfig(new JsonObject { ["Probe"] = new JsonObject { ["Value"] = "file" } });
        var loaded = Load(config);
        var chained = new ConfigurationBuilder().AddConfiguration(loaded.Configuration).Build();
        var reloaded = 0;
        chained.GetReloadToken().RegisterChangeCallback(_ => reloaded++, null);

        loaded.Fleet!.Swap(new JsonObject { ["Probe"] = new JsonObject { ["Value"] = "fleet" } });

        Assert.Equal(1, reloaded);
        Assert.Equal("fleet", chained["Probe:Value"]);
        loaded.Fleet.Swap(null);
        Assert.Equal("file", chained["Probe:Value"]);
    }

    [Fact]
    public void Run_counts_unfinished_watches_and_starts_on_the_last_good_document_after_the_maximum()
    {
        var config = WriteConfig(new JsonObject { ["Probe"] = new JsonObject { ["Value"] = "file" }, ["Fleet"] = new JsonObject { ["MaxFailedStarts"] = 2 } });
        var store = new FleetStore(DataFolder, _ => { });
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-03-01T08:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var good = DesiredConfig.Of(1, new JsonObject { ["Probe"] = new JsonObject { ["Value"] = "good" } });
        var bad = DesiredConfig.Of(2, new JsonObject { ["Probe"] = new JsonObject { ["Value"] = "crashes" } });
        store.BeginApply(good, time.GetUtcNow());
        store.Commit();
        store.BeginApply(bad, time.GetUtcNow());

        var first = Load(config, fleet: FleetStart.Run, time: time);
        var second = Load(config, fleet: FleetStart.Run, time: time);
        var third = Load(config, fleet: FleetStart.Run, time: time);

        Assert.Equal("crashes", first.Configuration["Probe:Value"]);
        Assert.Equal("good", second.Configuration["Probe:Value"]);
        Assert.Equal("good", third.Configuration["Probe:Value"]);
        Assert.Null(store.Watch());
        var report = store.LastReport();
        Assert.NotNull(report);
        Assert.Equal((2L, FleetConfigStatus.RolledBack), (report.Version, report.Status));
        Assert.Equal("the service did not finish its health watch in 2 starts; back to fleet version 1", Assert.Single(report.Lines));
    }

    [Fact]
    public void Other_verbs_read_the_document_in_force_without_counting_a_start()
    {
        var config = WriteConfig(new JsonObject { ["Fleet"] = new JsonObject { ["MaxFailedStarts"] = 1 } });
        var store = new FleetStore(DataFolder, _ => { });
        store.BeginApply(DesiredConfig.Of(5, new JsonObject { ["Probe"] = new JsonObject { ["Value"] = "fleet" } }), DateTimeOffset.UnixEpoch);

        var loaded = Load(config);

        Assert.Equal("fleet", loaded.Configuration["Probe:Value"]);
        Assert.Equal(0, store.Watch()?.FailedStarts);
    }

    [Fact]
    public void Every_fleet_file_is_private_to_the_service_user()
    {
        var store = new FleetStore(DataFolder, _ => { });
        var desired = DesiredConfig.Of(1, new JsonObject { ["Cameras"] = new JsonArray(Camera("prep-1", "rtsp://admin:secret@10.0.0.5/1")) });

        store.BeginApply(desired, DateTimeOffset.UnixEpoch);
        store.SaveReport(new ConfigReport(1, desired.Sha256, FleetConfigStatus.Pending, [], [], 0));
        store.Commit();
        store.BeginApply(desired, DateTimeOffset.UnixEpoch);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(FleetFolder));
        foreach (var file in Directory.GetFiles(FleetFolder))
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }

        Assert.Equal(4, Directory.GetFiles(FleetFolder).Length);
    }

    public void Dispose() => _dir.Dispose();

    private string DataFolder => _dir.File("data");

    private string FleetFolder => Path.Combine(DataFolder, FleetStore.FolderName);

    private static JsonObject Camera(string id, string url) => new() { ["Id"] = id, ["Url"] = url, ["Record"] = false };

    private void InForce(long version, JsonObject document) =>
        new FleetStore(DataFolder, _ => { }).BeginApply(DesiredConfig.Of(version, document), DateTimeOffset.UnixEpoch);

    private string WriteConfig(JsonObject content)
    {
        content["Storage"] = new JsonObject { ["DataDir"] = _dir.File("data") };
        var path = _dir.File("gateway.json");
        File.WriteAllText(path, content.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return path;
    }

    private static GatewayConfig Load(string config, IReadOnlyDictionary<string, string?>? flags = null, TextWriter? warnings = null,
        FleetStart fleet = FleetStart.Read, TimeProvider? time = null) =>
        GatewayConfigLoader.Load(config, pathGiven: true, ConfigFileUse.Required, flags ?? new Dictionary<string, string?>(), warnings ?? TextWriter.Null, fleet, time);
}
