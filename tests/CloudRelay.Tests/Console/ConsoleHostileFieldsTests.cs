using CloudRelay.OperatorConsole;
using EdgeGateway.Contracts;
using EdgeGateway.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CloudRelay.Tests.Console;

/// <summary>
/// Markup in every field a box controls that the console shows (kind, the camera that names a case's subject,
/// attribute names and values, the live feed), as a real Chromium renders it: shown as text, never as elements.
/// Site and device names cannot carry it: the names grammar and the topic refuse them.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ConsoleHostileFieldsTests
{
    private const string Password = "kitchen-watch-2026";
    internal const string Script = "<script>window.pwned=1</script>";
    internal const string Image = "<img src=x onerror=\"window.pwned=2\">";

    [Fact]
    public async Task Script_in_every_device_controlled_field_is_shown_as_text_in_the_console()
    {
        Assert.True(Chromium.IsInstalled, $"{Chromium.ExecutablePath} is needed for the console test");
        await using var relay = await RelayTestHost.StartAsync(https: true);
        await relay.App.Services.GetRequiredService<Operators>().AddAsync("alice", OperatorRoles.Viewer, Password);
        var box = await relay.ConnectAsync(await relay.AddDeviceAsync("site-1", "box-1"));
        await using var chromium = await Chromium.StartAsync(relay.CertificatePath);
        var page = await chromium.NewPageAsync();
        await page.GotoAsync($"{relay.HttpUrl}/console");
        await ConsoleLogin.LogInAsync(page, "alice", Password);

        // A case of a known kind whose subject and attributes are markup, and an alert whose kind is.
        var opening = CaseDeadlineTests.At("box-1", Script) with
        {
            Attributes = new Dictionary<string, string>(StringComparer.Ordinal) { ["camera"] = Script, ["label"] = Image, [Script] = Image },
        };
        var odd = TestAlerts.Make("site-1", "box-1", kind: Script) with
        {
            Attributes = new Dictionary<string, string>(StringComparer.Ordinal) { ["camera"] = Image },
        };
        var forgedSite = TestAlerts.Make(Script, "box-1");
        Assert.True((await box.PublishAlertAsync(opening)).IsSuccess);
        Assert.True((await box.PublishAlertAsync(odd)).IsSuccess);
        Assert.False((await box.PublishAsync("edge/site-1/box-1/alert", AlertCbor.Encode(forgedSite))).IsSuccess);

        // The live feed (rendered by the console's script) shows the kind as text.
        await Expect(page.Locator("#live-feed li[data-type=alert]").Filter(new() { HasText = Script })).ToHaveCountAsync(1, new() { Timeout = 20_000 });
        await page.GotoAsync($"{relay.HttpUrl}/console/cases");
        var row = page.Locator("#cases tbody tr");
        await Expect(row).ToHaveCountAsync(1, new() { Timeout = 20_000 });
        await Expect(row.Locator("td").Nth(5)).ToHaveTextAsync(Script);
        await AssertNoInjectedElementsAsync(page);
        await row.Locator("a").ClickAsync();
        await Expect(page.Locator("dl.facts dd").Nth(2)).ToHaveTextAsync(Script);
        await Expect(page.Locator($"li[data-alert='{opening.Id:D}'] .attrs")).ToHaveTextAsync($"{Script}={Image}, camera={Script}, label={Image}");
        await AssertNoInjectedElementsAsync(page);
        await page.GotoAsync($"{relay.HttpUrl}/console/devices");
        await AssertNoInjectedElementsAsync(page);
        Assert.Null(await relay.Store.FindAlertAsync(forgedSite.Id, CancellationToken.None));

        // The pages as served: the markup is escaped in the HTML itself, not only undone by the browser.
        using var alice = new ConsoleClient(relay, "en");
        await alice.LogInAsync("alice", Password);
        foreach (var path in new[] { "/console/cases", "/console/devices", page.Url[relay.HttpUrl.Length..] })
        {
            var body = (await alice.GetAsync(path)).Body;
            Assert.DoesNotContain("<script>window", body, StringComparison.Ordinal);
            Assert.DoesNotContain("<img src=x", body, StringComparison.Ordinal);
        }
    }

    /// <summary>The page holds only its own script, no image an attribute made, and nothing ran.</summary>
    internal static async Task AssertNoInjectedElementsAsync(IPage page)
    {
        Assert.Equal(1, await page.Locator("script").CountAsync());
        Assert.Equal(0, await page.Locator("img[onerror]").CountAsync());
        Assert.True(await page.EvaluateAsync<bool>("() => window.pwned === undefined"));
    }
}
