using EdgeGateway.Host.Diagnostics;
using EdgeGateway.Host.Tests.Browser;
using EdgeGateway.Testing;
using EdgeGateway.Vision.Models;
using static Microsoft.Playwright.Assertions;

namespace EdgeGateway.Host.Tests.Evidence;

/// <summary>The technician sees an alert's clip next to its snapshot on the box's page, and it plays.</summary>
[Trait("Category", "Integration")]
public sealed class BoxPageClipTests : IDisposable
{
    private const string Password = "kitchen-tech-2026";
    private readonly TempDirectory _work = new("edgegw-page-clip-");

    [Fact]
    public async Task The_box_page_shows_the_clip_next_to_the_alert_and_chromium_plays_it()
    {
        await new ModelCatalog().EnsureFetchedAsync("face-mask-retina");
        await using var gateway = await RunningGateway.StartAsync(new Dictionary<string, string?>
        {
            ["Device:Id"] = "kitchen-0042",
            ["Device:Site"] = "xuhui-0193",
            ["Storage:DataDir"] = _work.Path,
            ["Uplink:Broker"] = $"mqtt://127.0.0.1:{FreePort.Next()}",
            ["Diagnostics:PasswordHash"] = TechnicianPassword.Hash(Password),
            ["Cameras:0:Id"] = "k1",
            ["Cameras:0:Url"] = RepoPaths.SharedFile("video", "faces-mask-mixed-720p-10fps.mp4"),
            ["Cameras:0:Role"] = "kitchen",
            ["Cameras:0:Model"] = "face-mask-retina",
            ["Cameras:0:Loop"] = "true",
            ["Cameras:0:AnalysisFps"] = "5",
            ["Cameras:0:Rules:0:Kind"] = "no_mask",
            ["Cameras:0:Rules:0:Labels:0"] = "no_mask",
            ["Cameras:0:Rules:0:PerObject"] = "false",
            ["Evidence:PreRoll"] = "00:00:01",
            ["Evidence:PostRoll"] = "00:00:02",
            ["Evidence:MaxClip"] = "00:00:04",
        });
        await using var chromium = await Chromium.StartAsync(gateway.Certificate);
        var page = await chromium.NewPageAsync();
        await page.GotoAsync(gateway.Address.ToString());
        await page.Locator("#password").FillAsync(Password);
        await page.Locator("#login-button").ClickAsync();
        await Expect(page.Locator("#app")).ToBeVisibleAsync();

        var video = page.Locator("video[data-clip]").First;
        await Expect(video).ToBeAttachedAsync(new() { Timeout = 60_000 });
        // The player retries until the clip is written, then loads it.
        await page.WaitForFunctionAsync("() => { const v = document.querySelector('video[data-clip]'); return v && v.readyState >= 1 && v.duration > 0; }",
            null, new() { Timeout = 60_000 });
        var seconds = await video.EvaluateAsync<double>("v => v.duration");
        Assert.InRange(seconds, 2.0, 7.0);
    }

    public void Dispose() => _work.Dispose();
}
