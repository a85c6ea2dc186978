using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeGateway.Contracts.Fleet;
using EdgeGateway.Host.Configuration;
using EdgeGateway.Host.Diagnostics;
using EdgeGateway.Host.Fleet;
using EdgeGateway.Host.Setup.Doctor;
using EdgeGateway.Host.Tests.Browser;
using EdgeGateway.Host.Tests.Diagnostics;
using EdgeGateway.Host.Tests.Setup;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Host.Tests.Fleet;

/// <summary>Where a technician sees the fleet configuration: the page's status and <c>edgegw doctor</c>.</summary>
[Trait("Category", "Integration")]
public sealed class FleetPageTests : IDisposable
{
    private const string Password = "kitchen-tech-2026";
    private readonly TempDir _dir = new();

    [Fact]
    public async Task The_page_shows_the_version_in_force_its_last_status_and_the_keys_it_sets_without_their_values()
    {
        var store = new FleetStore(_dir.File("data"), line => throw new InvalidOperationException(line));
        var desired = DesiredConfig.Of(7, new JsonObject
        {
            ["Outbox"] = new JsonObject { ["StatusTtl"] = "02:00:00" },
            ["Cameras"] = new JsonArray(new JsonObject { ["Id"] = "prep-1", ["Url"] = "rtsp://admin:secret@10.0.0.5/1" }),
        });
        store.BeginApply(desired, DateTimeOffset.UnixEpoch);
        store.SaveReport(new ConfigReport(7, desired.Sha256, FleetConfigStatus.Pending, [], [], 0));

        await using var gateway = await RunningGateway.StartAsync(new Dictionary<string, string?>
        {
            ["Device:Id"] = "kitchen-0042",
            ["Device:Site"] = "xuhui-0193",
            ["Storage:DataDir"] = _dir.File("data"),
            ["Uplink:Broker"] = "mqtt://127.0.0.1:1",
            ["Diagnostics:PasswordHash"] = TechnicianPassword.Hash(Password),
            ["Diagnostics:Url"] = "http://127.0.0.1:0",
        });
        using var technician = new TechnicianClient(new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = gateway.Address });
        using (var login = await technician.LoginAsync(Password))
        {
            login.EnsureSuccessStatusCode();
        }

        var text = await technician.Http.GetStringAsync("/api/status");
        var fleet = JsonDocument.Parse(text).RootElement.GetProperty("fleet");

        Assert.Equal(7, fleet.GetProperty("version").GetInt64());
        Assert.Equal("pending", fleet.GetProperty("status").GetString());
        Assert.Equal(["Outbox:StatusTtl", "Cameras"], fleet.GetProperty("keys").EnumerateArray().Select(k => k.GetString()));
        Assert.DoesNotContain("secret", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Doctor_says_the_version_in_force_and_the_last_status_in_one_line()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Storage:DataDir"] = _dir.File("data") }).Build();
        var context = new DoctorContext(configuration, null, TimeProvider.System);

        var none = Assert.Single(await new FleetCheck().RunAsync(context, CancellationToken.None));
        var store = new FleetStore(_dir.File("data"), line => throw new InvalidOperationException(line));
        var desired = DesiredConfig.Of(3, new JsonObject { ["Outbox"] = new JsonObject { ["StatusTtl"] = "02:00:00" } });
        store.BeginApply(desired, DateTimeOffset.UnixEpoch);
        store.SaveReport(new ConfigReport(3, desired.Sha256, FleetConfigStatus.Applied, [], [], 0));
        var applied = Assert.Single(await new FleetCheck().RunAsync(context, CancellationToken.None));
        store.SaveReport(new ConfigReport(4, "", FleetConfigStatus.Invalid, ["Uplink:Window = 0: expected 1..65535"], [], 0));
        var refused = Assert.Single(await new FleetCheck().RunAsync(context, CancellationToken.None));

        Assert.Equal((DoctorStatus.Pass, "no fleet version in force; last status none"), (none.Status, none.Detail));
        Assert.Equal((DoctorStatus.Pass, "fleet version 3 in force; last status applied (version 3)"), (applied.Status, applied.Detail));
        Assert.Equal(DoctorStatus.Warn, refused.Status);
        Assert.Equal("fleet version 3 in force; last status invalid (version 4): Uplink:Window = 0: expected 1..65535", refused.Detail);
    }

    [Fact]
    public async Task A_swapped_document_reaches_the_options_monitors_of_the_service_built_by_run()
    {
        var config = _dir.File("gateway.json");
        File.WriteAllText(config, new JsonObject
        {
            ["Device"] = new JsonObject { ["Id"] = "kitchen-0042", ["Site"] = "xuhui-0193" },
            ["Storage"] = new JsonObject { ["DataDir"] = _dir.File("data") },
            ["Uplink"] = new JsonObject { ["Broker"] = "mqtt://127.0.0.1:1" },
            ["Diagnostics"] = new JsonObject { ["Url"] = "http://127.0.0.1:0" },
            ["Outbox"] = new JsonObject { ["StatusTtl"] = "01:00:00" },
        }.ToJsonString());
        var loaded = GatewayConfigLoader.Load(config, true, ConfigFileUse.Required, new Dictionary<string, string?>(), TextWriter.Null, FleetStart.Run);
        var settings = new ConfigurationBuilder().AddConfiguration(loaded.Configuration).Build();
        await using var app = Gateway.GatewayApp.Build(settings);
        var monitor = app.Services.GetRequiredService<IOptionsMonitor<Uplink.Configuration.OutboxOptions>>();
        Assert.Equal(TimeSpan.FromHours(1), monitor.CurrentValue.StatusTtl);

        loaded.Fleet!.Swap(new JsonObject { ["Outbox"] = new JsonObject { ["StatusTtl"] = "02:00:00" } });

        Assert.Equal(TimeSpan.FromHours(2), monitor.CurrentValue.StatusTtl);
    }

    public void Dispose() => _dir.Dispose();
}
