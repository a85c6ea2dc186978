using CloudRelay.Fleet;
using CloudRelay.OperatorConsole;
using EdgeGateway.Contracts;
using EdgeGateway.Contracts.Fleet;
using EdgeGateway.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CloudRelay.Tests.Console;

/// <summary>
/// The console's fleet pages in a real headless Chromium against a real relay over HTTPS: boxes report over MQTT, the
/// page counts them by status with their lines and gates; an admin previews a layer's diff and saves it; a viewer has
/// no editor and the server refuses a viewer's forged post. Markup a box reported or an admin typed shows as text.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ConsoleFleetBrowserTests
{
    private const string AdminPassword = "fleet-admin-2026";
    private const string ViewerPassword = "read-only-2026";
    private const string Site = "xuhui-0193";
    private const string Script = ConsoleHostileFieldsTests.Script;
    private const string Image = ConsoleHostileFieldsTests.Image;
    private const string ClosingTextarea = "</textarea><script>window.pwned=3</script>";

    [Fact]
    public async Task Fleet_page_counts_box_reports_an_admin_saves_a_layer_after_its_diff_and_a_viewer_cannot()
    {
        Assert.True(Chromium.IsInstalled, $"{Chromium.ExecutablePath} is needed for the console test");
        await using var relay = await RelayTestHost.StartAsync(https: true);
        var operators = relay.App.Services.GetRequiredService<Operators>();
        await operators.AddAsync("wang.fang", OperatorRoles.Admin, AdminPassword);
        await operators.AddAsync("zhang.min", OperatorRoles.Viewer, ViewerPassword);
        var fleet = relay.App.Services.GetRequiredService<FleetConfigService>();
        var first = (await fleet.SetAsync("all", """{"Outbox": {"MaxItems": 1000}, "Uplink": {"StateInterval": "00:01:00"}}""", "cli:root", CancellationToken.None)).Change!;

        // Three boxes report over MQTT as boxes do; a fourth never reports.
        await ReportAsync(relay, "kitchen-0042", new ConfigReport(first.Version, "a1", FleetConfigStatus.Applied, [],
            [new FleetGate("alarms_delivered", true, "3/3")], 1_765_000_000_000));
        await ReportAsync(relay, "kitchen-0043", new ConfigReport(first.Version, "a1", FleetConfigStatus.Invalid,
            ["Vision:Threshold = 7: expected a number from 0 to 1", Script], [], 1_765_000_001_000));
        await ReportAsync(relay, "lift-0007", new ConfigReport(first.Version, "a1", FleetConfigStatus.RolledBack, ["gate camera_frames failed during the watch"],
            [new FleetGate("camera_frames", false, Image), new FleetGate("alarms_delivered", true, "2/2")], 1_765_000_002_000));
        await relay.AddDeviceAsync("minhang-0021", "kitchen-0100");
        await TestAlerts.WaitUntilAsync(async () => (await fleet.DevicesAsync(null, CancellationToken.None)).Count(d => d.Reported is not null) == 3,
            TimeSpan.FromSeconds(20), "three reports stored");

        await using var chromium = await Chromium.StartAsync(relay.CertificatePath);
        var page = await chromium.NewPageAsync();
        await page.GotoAsync($"{relay.HttpUrl}/console");
        await ConsoleLogin.LogInAsync(page, "wang.fang", AdminPassword);
        await page.Locator("#nav-fleet").ClickAsync();
        await ExpectCountsAsync(page, applied: 1, invalid: 1, rolledBack: 1, none: 1, behind: 1);
        await Expect(page.Locator("#fleet-devices tbody tr")).ToHaveCountAsync(4);
        var invalid = page.Locator($"#fleet-devices tr[data-device='{Site}/kitchen-0043']");
        await Expect(invalid.Locator("td.status")).ToHaveTextAsync("invalid");
        await Expect(invalid.Locator("ul.lines li")).ToHaveTextAsync(["Vision:Threshold = 7: expected a number from 0 to 1", Script]);
        var rolledBack = page.Locator($"#fleet-devices tr[data-device='{Site}/lift-0007']");
        await Expect(rolledBack.Locator("td.status")).ToHaveTextAsync("rolled_back");
        await Expect(rolledBack.Locator("li[data-gate=camera_frames][data-passed=false]")).ToHaveTextAsync($"camera_frames: failed · {Image}");
        await Expect(page.Locator($"#fleet-devices tr[data-device='minhang-0021/kitchen-0100'] td.status")).ToHaveTextAsync(FleetFilter.None);
        await ConsoleHostileFieldsTests.AssertNoInjectedElementsAsync(page);
        await Chromium.ScreenshotAsync(page, "console-fleet");

        // One status only, from its count.
        await page.Locator("#fleet-counts li[data-status=rolled_back] a").ClickAsync();
        await Expect(page.Locator("#fleet-devices tbody tr")).ToHaveCountAsync(1);
        await Expect(page.Locator("#fleet-devices tbody tr")).ToHaveAttributeAsync("data-device", $"{Site}/lift-0007");

        // One site only.
        await page.Locator("#site").FillAsync("minhang-0021");
        await page.Locator("#status").SelectOptionAsync(string.Empty);
        await page.Locator("#fleet-filter button").ClickAsync();
        await Expect(page.Locator("#fleet-devices tbody tr")).ToHaveCountAsync(1);
        await ExpectCountsAsync(page, applied: 0, invalid: 0, rolledBack: 0, none: 1, behind: 1);

        // The device's own page: its report and the document it is asked to run.
        await page.GotoAsync($"{relay.HttpUrl}/console/fleet/devices/{Site}/lift-0007");
        await Expect(page.Locator("#reported-status")).ToHaveTextAsync("rolled_back");
        await Expect(page.Locator("#report-lines li")).ToHaveTextAsync(["gate camera_frames failed during the watch"]);
        await Expect(page.Locator("#report-gates tr[data-gate=camera_frames] td").Nth(2)).ToHaveTextAsync(Image);
        await Expect(page.Locator("#desired-document")).ToContainTextAsync("\"MaxItems\": 1000");
        await ConsoleHostileFieldsTests.AssertNoInjectedElementsAsync(page);

        // The admin edits the device's layer: a forbidden key is refused with its line and no save button.
        await page.Locator("#edit-device-layer").ClickAsync();
        await Expect(page.Locator("#layer-target")).ToHaveTextAsync($"device:{Site}/lift-0007");
        await page.Locator("#layer-text").FillAsync("""{"Storage": {"DataDir": "/tmp/elsewhere"}}""");
        await page.Locator("#preview-button").ClickAsync();
        await Expect(page.Locator("#layer-problems li")).ToContainTextAsync(["Storage"]);
        await Expect(page.Locator("#save-button")).ToHaveCountAsync(0);

        // A good layer (with markup in a value): the diff is the device's whole document before and after.
        var layer = $$$"""{"Outbox": {"MaxItems": 2000}, "Vision": {"Note": "{{{ClosingTextarea}}}"}}""";
        await page.Locator("#layer-text").FillAsync(layer);
        await page.Locator("#preview-button").ClickAsync();
        var diff = page.Locator("#layer-diff");
        await Expect(diff.Locator("td.removed")).ToHaveCountAsync(1);
        await Expect(diff.Locator("td.removed")).ToContainTextAsync("\"MaxItems\": 1000");
        await Expect(diff.Locator("td.added").Filter(new() { HasText = "MaxItems" })).ToContainTextAsync("\"MaxItems\": 2000");
        await Expect(diff.Locator("td.added").Filter(new() { HasText = "Note" })).ToContainTextAsync(ClosingTextarea);
        await Expect(diff.Locator("td.same").Filter(new() { HasText = "StateInterval" })).ToHaveCountAsync(2);
        await Expect(page.Locator("#layer-text")).ToHaveValueAsync(layer);
        await ConsoleHostileFieldsTests.AssertNoInjectedElementsAsync(page);
        await Chromium.ScreenshotAsync(page, "console-fleet-diff");
        Assert.DoesNotContain(await fleet.ListAsync(CancellationToken.None), l => l.Target.Scope == FleetScope.Device);

        await page.Locator("#save-button").ClickAsync();
        var saved = page.Locator($"#fleet-layers tr[data-target='device:{Site}/lift-0007']");
        await Expect(saved.Locator(".version")).ToHaveTextAsync((first.Version + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Expect(saved.Locator(".by")).ToHaveTextAsync("console:wang.fang");
        // The box still reports the old version: it is now behind, like the one that never reported.
        await ExpectCountsAsync(page, applied: 1, invalid: 1, rolledBack: 1, none: 1, behind: 2);
        var desired = (await fleet.ShowAsync(Site, "lift-0007", CancellationToken.None))!.Desired!;
        Assert.Equal((first.Version + 1, 2000, ClosingTextarea),
            (desired.Version, desired.Document["Outbox"]!["MaxItems"]!.GetValue<int>(), desired.Document["Vision"]!["Note"]!.GetValue<string>()));
        await page.GotoAsync($"{relay.HttpUrl}/console/fleet/layer?target=device:{Site}/lift-0007");
        await Expect(page.Locator("#layer-text")).ToHaveValueAsync(new System.Text.RegularExpressions.Regex("window\\.pwned=3"));
        await ConsoleHostileFieldsTests.AssertNoInjectedElementsAsync(page);

        // A viewer reads the fleet but has no editor, and the server refuses the viewer's forged posts.
        await page.Locator("#logout").ClickAsync();
        await ConsoleLogin.LogInAsync(page, "zhang.min", ViewerPassword);
        await page.GotoAsync($"{relay.HttpUrl}/console/fleet");
        await ExpectCountsAsync(page, applied: 1, invalid: 1, rolledBack: 1, none: 1, behind: 2);
        await Expect(page.Locator("#fleet-layers tbody tr")).ToHaveCountAsync(2);
        await Expect(page.Locator("#fleet-layers a.edit")).ToHaveCountAsync(0);
        await Expect(page.Locator("#new-layer")).ToHaveCountAsync(0);
        await page.GotoAsync($"{relay.HttpUrl}/console/fleet/devices/{Site}/lift-0007");
        await Expect(page.Locator("#edit-device-layer")).ToHaveCountAsync(0);
        var editor = await page.GotoAsync($"{relay.HttpUrl}/console/fleet/layer?target=all");
        Assert.Equal(403, editor!.Status);
        await page.GotoAsync($"{relay.HttpUrl}/console/fleet");
        var statuses = await page.EvaluateAsync<int[]>("""
            async () => {
              const post = async (path, fields) => {
                const body = new URLSearchParams({ _csrf: document.querySelector("input[name=_csrf]").value, ...fields });
                return (await fetch(path, { method: "POST", body })).status;
              };
              return [
                await post("/console/fleet/layer/save", { target: "all", layer: '{"Outbox": {"MaxItems": 1}}' }),
                await post("/console/fleet/layer/clear", { target: "device:xuhui-0193/lift-0007" }),
              ];
            }
            """);
        Assert.Equal(new[] { 403, 403 }, statuses);
        var layers = await fleet.ListAsync(CancellationToken.None);
        Assert.Equal(new[] { (first.Version, 1000), (first.Version + 1, 2000) },
            layers.Select(l => (l.Revision, l.Document!["Outbox"]!["MaxItems"]!.GetValue<int>())));
    }

    /// <summary>A box connects with its own credentials and publishes its report on its <c>config/reported</c>.</summary>
    private static async Task ReportAsync(RelayTestHost relay, string device, ConfigReport report)
    {
        var box = await relay.ConnectAsync(await relay.AddDeviceAsync(Site, device));
        var result = await box.PublishAsync(EdgeTopic.Format("edge", Site, device, EdgeChannel.ConfigReported), report.Encode());
        Assert.True(result.IsSuccess, $"{device}'s report: {result.ReasonCode}");
    }

    private static async Task ExpectCountsAsync(IPage page, int applied, int invalid, int rolledBack, int none, int behind)
    {
        foreach (var (status, count) in new[]
        {
            (FleetConfigStatus.Applied, applied), (FleetConfigStatus.Pending, 0), (FleetConfigStatus.Deferred, 0), (FleetConfigStatus.Invalid, invalid),
            (FleetConfigStatus.RolledBack, rolledBack), (FleetFilter.None, none), (FleetFilter.Behind, behind),
        })
        {
            await Expect(page.Locator($"#fleet-counts li[data-status={status}] .count")).ToHaveTextAsync(count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}
