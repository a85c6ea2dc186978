using CloudRelay.OperatorConsole;
using EdgeGateway.Contracts;
using EdgeGateway.Contracts.Telemetry;
using EdgeGateway.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CloudRelay.Tests.Console;

/// <summary>
/// The console's health pages in a real headless Chromium against a real relay: boxes report over MQTT with the
/// contract's encoder; a camera at 0 fps shows red and sorts first, the device's chart has points, and a camera's
/// free-text error shows as text.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ConsoleHealthBrowserTests
{
    private const string Password = "health-viewer-2026";

    [Fact]
    public async Task A_camera_at_zero_fps_shows_red_first_and_its_device_page_charts_the_day()
    {
        Assert.True(Chromium.IsInstalled, $"{Chromium.ExecutablePath} is needed for the console test");
        await using var relay = await RelayTestHost.StartAsync(https: true);
        await relay.App.Services.GetRequiredService<Operators>().AddAsync("li.na", OperatorRoles.Viewer, Password);
        await ReportAsync(relay, "k-ok", HealthReports.Make(8));
        await ReportAsync(relay, "k-dead", HealthReports.Make(0, ConsoleHostileFieldsTests.Script + ConsoleHostileFieldsTests.Image));
        await relay.AddDeviceAsync("s2", "k-never");

        await using var chromium = await Chromium.StartAsync(relay.CertificatePath);
        var page = await chromium.NewPageAsync();
        await page.GotoAsync($"{relay.HttpUrl}/console");
        await ConsoleLogin.LogInAsync(page, "li.na", Password);
        await page.Locator("#nav-health").ClickAsync();

        var rows = page.Locator("#health-devices tbody tr");
        await Expect(rows).ToHaveCountAsync(3);
        await Expect(rows.Nth(0)).ToHaveAttributeAsync("data-device", "s1/k-dead");
        var dead = page.Locator("#health-devices tr[data-device='s1/k-dead'] td[data-area=cameras]");
        await Expect(dead).ToHaveAttributeAsync("data-state", "bad");
        Assert.Equal("rgb(179, 38, 30)", await dead.EvaluateAsync<string>("e => getComputedStyle(e).backgroundColor"));
        await Expect(page.Locator("#health-devices tr[data-device='s1/k-ok'] td[data-area=cameras]")).ToHaveAttributeAsync("data-state", "ok");
        await Expect(page.Locator("#health-devices tr[data-device='s2/k-never']")).ToHaveAttributeAsync("data-state", "none");
        await Expect(page.Locator("#health-counts li[data-state=bad] .count")).ToHaveTextAsync("1");

        // One site only.
        await page.Locator("#site").FillAsync("s2");
        await page.Locator("#health-filter button").ClickAsync();
        await Expect(rows).ToHaveCountAsync(1);

        await page.GotoAsync($"{relay.HttpUrl}/console/health/s1/k-dead");
        var line = page.Locator("#chart-fps svg polyline[data-series='cam-1']");
        await Expect(line).ToHaveCountAsync(1);
        Assert.Matches(@"^\d+(\.\d)?,\d+(\.\d)?$", await line.GetAttributeAsync("points"));
        await Expect(page.Locator("#chart-fps svg circle")).ToHaveCountAsync(1);
        Assert.True(await page.Locator("#chart-cpu svg circle").First.EvaluateAsync<double>("e => e.getBoundingClientRect().width") > 0);
        await Expect(page.Locator("#health-cameras li[data-camera=cam-1] .camera-error"))
            .ToHaveTextAsync(ConsoleHostileFieldsTests.Script + ConsoleHostileFieldsTests.Image);
        await ConsoleHostileFieldsTests.AssertNoInjectedElementsAsync(page);
        await page.SetViewportSizeAsync(390, 844);
        Assert.True(await page.Locator("#chart-fps svg").EvaluateAsync<double>("e => e.getBoundingClientRect().width") <= 390);
        await Chromium.ScreenshotAsync(page, "console-health-device");
    }

    private static async Task ReportAsync(RelayTestHost relay, string device, HealthReport report)
    {
        var box = await relay.ConnectAsync(await relay.AddDeviceAsync("s1", device));
        var result = await box.PublishAsync(EdgeTopic.Format("edge", "s1", device, EdgeChannel.Health), report.Encode());
        Assert.True(result.IsSuccess, result.ReasonString);
    }
}
