using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using CloudRelay.Api;
using CloudRelay.Devices;
using CloudRelay.Hosting;
using EdgeGateway.Contracts.Fleet;
using EdgeGateway.Host.Fleet;
using EdgeGateway.Host.Tests.Setup;
using EdgeGateway.Host.Tests.Supervision;
using EdgeGateway.Testing;
using EdgeGateway.Vision.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.Host.Tests.Fleet;

/// <summary>One box of the fleet: a real <c>edgegw run</c> process on its own config file and data folder.</summary>
internal sealed class FleetBox(string site, string device, string folder, JsonObject config)
{
    public string Site { get; } = site;

    public string Device { get; } = device;

    public string ConfigPath { get; } = Path.Combine(folder, "gateway.json");

    public string DataDir { get; } = Path.Combine(folder, "data");

    /// <summary>The box's own file as the installer left it.</summary>
    public JsonObject Config { get; } = config;

    public ChildProcess? Process { get; set; }

    public FleetStore Store() => new(DataDir, line => throw new InvalidOperationException(line));

    public override string ToString() => $"{Site}/{Device}";
}

/// <summary>
/// A relay (in-process, embedded broker, SQLite) and three real <c>edgegw run</c> processes registered to it:
/// <c>site-a/box-1</c> (a kitchen camera), <c>site-a/box-2</c> (the simulated elevator board) and <c>site-b/box-3</c>
/// (a kitchen camera). The operator's side is the REST API with a <c>fleet</c> key.
/// </summary>
public sealed class FleetRelayFixture : IAsyncLifetime
{
    /// <summary>Each box's own watch: a few seconds, so one apply is settled well within a test.</summary>
    public const string HealthWatch = "00:00:06";

    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private static readonly string[] Terminal = [FleetConfigStatus.Applied, FleetConfigStatus.Invalid, FleetConfigStatus.RolledBack];
    private readonly TempDir _dir = new();
    private readonly List<FleetBox> _boxes = [];

    public WebApplication Relay { get; private set; } = null!;

    public int MqttPort { get; } = FreePort.Next();

    public HttpClient Operator { get; private set; } = null!;

    internal IReadOnlyList<FleetBox> Boxes => _boxes;

    internal FleetBox Box(string device) => _boxes.Single(b => b.Device == device);

    public static string Clip => RepoPaths.SharedFile("video", "street-720p-10fps.mp4");

    public async Task InitializeAsync()
    {
        await new ModelCatalog().EnsureFetchedAsync("yolox-nano-coco80");
        var httpUrl = $"http://127.0.0.1:{FreePort.Next()}";
        Relay = RelayHost.Build(new RelayStartOptions
        {
            MqttPort = MqttPort,
            MqttBindAddress = "127.0.0.1",
            AllowPlaintext = true,
            HttpUrl = httpUrl,
            DataDir = _dir.File("relay"),
            LogLevel = LogLevel.Warning,
        });
        await Relay.StartAsync();
        Operator = new HttpClient { BaseAddress = new Uri(httpUrl) };
        Operator.DefaultRequestHeaders.Add("X-Api-Key", await Relay.CreateApiKeyAsync("fleet-ops", ApiScopes.Fleet));

        await AddBoxAsync("site-a", "box-1", box => box["Cameras"] = new JsonArray(Camera("k1", Clip, analysisFps: 2)));
        await AddBoxAsync("site-a", "box-2", box => box["Elevator"] = new JsonObject { ["Board"] = "simulated" });
        await AddBoxAsync("site-b", "box-3", box => box["Cameras"] = new JsonArray(Camera("k3", Clip, analysisFps: 2)));
        foreach (var box in _boxes)
        {
            Start(box);
        }

        foreach (var box in _boxes)
        {
            await WaitOnlineAsync(box, online: true);
        }
    }

    /// <summary>A kitchen camera on a clip file played in a loop, without recording.</summary>
    public static JsonObject Camera(string id, string url, double analysisFps) => new()
    {
        ["Id"] = id,
        ["Url"] = url,
        ["Role"] = "kitchen",
        ["Model"] = "yolox-nano-coco80",
        ["Loop"] = true,
        ["AnalysisFps"] = analysisFps,
        ["Record"] = false,
    };

    internal static void Start(FleetBox box) => box.Process = EdgegwRun.Start(box.ConfigPath);

    /// <summary>Rewrites the box's own file (the box reads it at its next start).</summary>
    internal static void WriteConfig(FleetBox box, JsonObject config) => EdgegwRun.WriteConfig(box.ConfigPath, config);

    /// <summary>Clears every live layer and waits until each box has settled on the version that leaves it.</summary>
    public async Task ResetAsync()
    {
        var layers = await Operator.GetFromJsonAsync<JsonObject>("/api/fleet/config");
        foreach (var layer in layers!["items"]!.AsArray())
        {
            var response = await Operator.DeleteAsync($"/api/fleet/config/{layer!["target"]!.GetValue<string>()}");
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        }

        foreach (var box in _boxes)
        {
            if (await DesiredAsync(box) is { } desired)
            {
                await WaitForReportAsync(box, desired.Version, Terminal);
            }
        }
    }

    /// <summary>Sets a layer as an operator does; returns the response (200 with the layer's version, or 400 with the lines).</summary>
    public async Task<HttpResponseMessage> PutLayerAsync(string target, JsonObject layer) =>
        await Operator.PutAsync($"/api/fleet/config/{target}", new StringContent(layer.ToJsonString(), Encoding.UTF8, "application/json"));

    public async Task SetLayerAsync(string target, JsonObject layer)
    {
        var response = await PutLayerAsync(target, layer);
        Assert.True(response.IsSuccessStatusCode, $"PUT {target}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    public async Task ClearLayerAsync(string target)
    {
        var response = await Operator.DeleteAsync($"/api/fleet/config/{target}");
        Assert.True(response.IsSuccessStatusCode, $"DELETE {target}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary><c>GET /api/fleet/devices/{site}/{device}/config</c>: what the operator sees of one box.</summary>
    internal async Task<JsonObject> ShowAsync(FleetBox box) =>
        (await Operator.GetFromJsonAsync<JsonObject>($"/api/fleet/devices/{box.Site}/{box.Device}/config"))!;

    internal async Task<DesiredConfig?> DesiredAsync(FleetBox box) => await DesiredAsync(box.Site, box.Device);

    internal async Task<DesiredConfig?> DesiredAsync(string site, string device)
    {
        var shown = (await Operator.GetFromJsonAsync<JsonObject>($"/api/fleet/devices/{site}/{device}/config"))!;
        return shown["desired"] is JsonObject desired
            ? new DesiredConfig(desired["version"]!.GetValue<long>(), desired["sha256"]!.GetValue<string>(), desired["document"]!.AsObject().DeepClone().AsObject())
            : null;
    }

    internal async Task<ConfigReport?> ReportedAsync(string site, string device)
    {
        var shown = (await Operator.GetFromJsonAsync<JsonObject>($"/api/fleet/devices/{site}/{device}/config"))!;
        return shown["reported"] is JsonObject reported && ConfigReport.TryDecode(Encoding.UTF8.GetBytes(reported.ToJsonString()), out var report, out _)
            ? report
            : null;
    }

    internal Task<ConfigReport> WaitForReportAsync(FleetBox box, long version, params string[] statuses) =>
        WaitForReportAsync(box.Site, box.Device, version, statuses, box.Process);

    /// <summary>Waits until the relay holds a report of <paramref name="version"/> with one of <paramref name="statuses"/>.</summary>
    internal async Task<ConfigReport> WaitForReportAsync(string site, string device, long version, string[] statuses, ChildProcess? process = null)
    {
        ConfigReport? last = null;
        await Eventually.HoldsAsync(async () =>
            (last = await ReportedAsync(site, device)) is { } r && r.Version == version && statuses.Contains(r.Status),
            Patience, $"{site}/{device} to report version {version} {string.Join(" or ", statuses)}",
            () => $"; last report: {(last is null ? "none" : $"{last.Version} {last.Status} [{string.Join("; ", last.Lines)}]")}{(process is null ? "" : "\n" + process.Output())}");
        return last!;
    }

    /// <summary>The desired version the relay holds for the box once it has moved past <paramref name="after"/>.</summary>
    internal async Task<DesiredConfig> WaitForDesiredAsync(FleetBox box, long after)
    {
        DesiredConfig? desired = null;
        await Eventually.HoldsAsync(async () => (desired = await DesiredAsync(box)) is { } d && d.Version > after,
            Patience, $"a desired version of {box} past {after}");
        return desired!;
    }

    /// <summary>The fleet list's <c>online</c> for the box: the relay sees its session.</summary>
    internal async Task WaitOnlineAsync(FleetBox box, bool online) =>
        await Eventually.HoldsAsync(async () => await IsOnlineAsync(box.Site, box.Device) == online, Patience,
            $"{box} to be {(online ? "online" : "offline")} at the relay", () => "\n" + box.Process?.Output());

    internal async Task<bool> IsOnlineAsync(string site, string device)
    {
        var list = await Operator.GetFromJsonAsync<JsonObject>($"/api/fleet/devices?site={site}");
        return list!["items"]!.AsArray().Any(i => i!["device"]!.GetValue<string>() == device && i["online"]!.GetValue<bool>());
    }

    public async Task DisposeAsync()
    {
        foreach (var box in _boxes)
        {
            box.Process?.Dispose();
        }

        Operator?.Dispose();
        if (Relay is not null)
        {
            await Relay.StopAsync();
            await Relay.DisposeAsync();
        }

        _dir.Dispose();
    }

    /// <summary>A box's own file for this relay: identity, data folder, uplink credentials, a short watch.</summary>
    internal JsonObject OwnConfig(string site, string device, DeviceCredentials credentials, string dataDir) => new()
    {
        ["Device"] = new JsonObject { ["Id"] = device, ["Site"] = site },
        ["Storage"] = new JsonObject { ["DataDir"] = dataDir },
        ["Uplink"] = new JsonObject
        {
            ["Broker"] = $"mqtt://127.0.0.1:{MqttPort}",
            ["Username"] = credentials.Username,
            ["Password"] = credentials.Password,
            ["ReconnectMinMs"] = 100,
            ["ReconnectMaxMs"] = 1000,
        },
        ["Diagnostics"] = new JsonObject { ["Url"] = "http://127.0.0.1:0" },
        ["Fleet"] = new JsonObject { ["HealthWatch"] = HealthWatch, ["MaxFailedStarts"] = 2 },
    };

    private async Task AddBoxAsync(string site, string device, Action<JsonObject> parts)
    {
        var credentials = await Relay.RegisterDeviceAsync(site, device);
        var folder = _dir.File(device);
        Directory.CreateDirectory(folder);
        var config = OwnConfig(site, device, credentials, Path.Combine(folder, "data"));
        parts(config);
        var box = new FleetBox(site, device, folder, config);
        WriteConfig(box, config);
        _boxes.Add(box);
    }
}
