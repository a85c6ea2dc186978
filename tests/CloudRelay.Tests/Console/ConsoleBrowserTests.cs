using CloudRelay.Cases;
using CloudRelay.OperatorConsole;
using CloudRelay.Database;
using EdgeGateway.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CloudRelay.Tests.Console;

/// <summary>
/// The operators' console in a real headless Chromium against a real relay over HTTPS: a box's alert published over MQTT
/// opens a case, the operator sees it live and with its snapshot, rectifies it with a note and a photo; a viewer cannot.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ConsoleBrowserTests
{
    private const string OperatorPassword = "kitchen-watch-2026";
    private const string ViewerPassword = "read-only-2026";

    [Fact]
    public async Task An_operator_sees_a_new_case_live_rectifies_it_with_a_note_and_photo_and_a_viewer_cannot()
    {
        Assert.True(Chromium.IsInstalled, $"{Chromium.ExecutablePath} is needed for the console test");
        await using var relay = await RelayTestHost.StartAsync(https: true);
        var operators = relay.App.Services.GetRequiredService<Operators>();
        await operators.AddAsync("li.wei", OperatorRoles.Operator, OperatorPassword);
        await operators.AddAsync("zhang.min", OperatorRoles.Viewer, ViewerPassword);
        var box = await relay.ConnectAsync(await relay.AddDeviceAsync("xuhui-0193", "kitchen-0042"));

        await using var chromium = await Chromium.StartAsync(relay.CertificatePath);
        var page = await chromium.NewPageAsync();
        await page.GotoAsync($"{relay.HttpUrl}/console");
        await ConsoleLogin.LogInAsync(page, "li.wei", "not-the-password");
        await Expect(page.Locator("#login-error")).ToHaveTextAsync("Wrong name or password.");
        await ConsoleLogin.LogInAsync(page, "li.wei", OperatorPassword);
        // The browser asks for English (en-US); the switch to Chinese is remembered.
        await Expect(page.Locator("#nav-cases")).ToHaveTextAsync("Cases");
        await page.Locator("#language select").SelectOptionAsync(ConsoleText.Chinese);
        await page.Locator("#language-button").ClickAsync();
        await Expect(page.Locator("#nav-cases")).ToHaveTextAsync("案件");
        var session = Assert.Single(await chromium.Context.CookiesAsync(), c => c.Name == ConsoleSessions.CookieName);
        Assert.True(session.Secure && session.HttpOnly && session.SameSite == SameSiteAttribute.Strict);

        // A box raises no_mask with its snapshot, over MQTT like any box.
        var alert = CaseDeadlineTests.At("kitchen-0042", "k1") with { SiteId = "xuhui-0193" };
        alert = alert with { SnapshotRef = $"snapshot/{alert.Id:D}" };
        await box.PublishAlertAsync(alert);
        await box.PublishAsync($"edge/xuhui-0193/kitchen-0042/{alert.SnapshotRef}", await File.ReadAllBytesAsync(RepoPaths.SharedFile("images", "person-with-mask.jpg")));

        // The live feed shows the new case without a reload; its link opens the case.
        var opened = page.Locator("#live-feed li[data-type=case] a");
        await Expect(opened).ToContainTextAsync("立案: 未戴口罩 · xuhui-0193/kitchen-0042", new() { Timeout = 20_000 });
        await page.GotoAsync($"{relay.HttpUrl}/console/cases");
        var row = page.Locator("#cases tr[data-state=open]");
        await Expect(row).ToHaveCountAsync(1);
        await row.Locator("a").ClickAsync();
        await Expect(page.Locator("#case-state")).ToHaveTextAsync("待处理");
        var snapshot = page.Locator($"li[data-alert='{alert.Id:D}'] img.snapshot");
        await Expect(snapshot).ToBeVisibleAsync();
        await page.WaitForFunctionAsync("img => img.complete && img.naturalWidth > 0", await snapshot.ElementHandleAsync());
        await Chromium.ScreenshotAsync(page, "console-case-open");

        await page.Locator("#note").FillAsync("已发放口罩，员工已培训");
        await page.Locator("#attachment").SetInputFilesAsync(RepoPaths.SharedFile("images", "crowd-mask-mixed.png"));
        await page.Locator("#rectify-button").ClickAsync();
        await Expect(page.Locator("#case-state")).ToHaveTextAsync("已整改");
        var rectified = page.Locator("#timeline li[data-type=rectified]");
        await Expect(rectified.Locator(".actor")).ToHaveTextAsync("操作人: li.wei");
        await Expect(rectified.Locator(".note")).ToHaveTextAsync("已发放口罩，员工已培训");
        var photo = rectified.Locator(".attachment img");
        await Expect(photo).ToBeVisibleAsync();
        await page.WaitForFunctionAsync("img => img.complete && img.naturalWidth > 0", await photo.ElementHandleAsync());
        await Chromium.ScreenshotAsync(page, "console-case-rectified");
        var caseId = Guid.Parse(page.Url.Split('/')[^1]);
        var stored = (await relay.App.Services.GetRequiredService<ICaseStore>().FindCaseAsync(caseId, CancellationToken.None))!;
        Assert.Equal((CaseStates.Rectified, "已发放口罩，员工已培训"), (stored.Case.State, stored.Case.Note));

        // A second camera opens a second case; the viewer sees it but has no actions, and the server refuses them.
        await box.PublishAlertAsync(CaseDeadlineTests.At("kitchen-0042", "k2") with { SiteId = "xuhui-0193" });
        CaseRecord? second = null;
        await TestAlerts.WaitUntilAsync(async () => (second = (await CaseDeadlineTests.CasesAsync(relay)).SingleOrDefault(c => c.Subject == "k2")) is not null,
            TimeSpan.FromSeconds(10), "the second case");
        await page.Locator("#logout").ClickAsync();
        await Expect(page.Locator("#login")).ToBeVisibleAsync();
        await ConsoleLogin.LogInAsync(page, "zhang.min", ViewerPassword);
        await Expect(page.Locator("#who")).ToHaveTextAsync("zhang.min (查看员)");
        await page.GotoAsync($"{relay.HttpUrl}/console/cases/{second!.Id:D}");
        await Expect(page.Locator("#viewer-notice")).ToBeVisibleAsync();
        await Expect(page.Locator("#rectify")).ToHaveCountAsync(0);
        await Expect(page.Locator("#ack-button")).ToHaveCountAsync(0);
        var status = await page.EvaluateAsync<int>("""
            async () => {
              const body = new FormData();
              body.append("_csrf", document.querySelector("input[name=_csrf]").value);
              body.append("note", "closing it anyway");
              const response = await fetch(location.pathname + "/rectify", { method: "POST", body });
              return response.status;
            }
            """);
        Assert.Equal(403, status);
        Assert.Equal(CaseStates.Open, (await CaseDeadlineTests.CasesAsync(relay)).Single(c => c.Subject == "k2").State);
    }
}
