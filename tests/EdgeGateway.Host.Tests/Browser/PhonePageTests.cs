using System.Text.Json;
using System.Text.RegularExpressions;
using EdgeGateway.Host.Diagnostics;
using EdgeGateway.Host.Diagnostics.Commissioning;
using EdgeGateway.Simulation;
using EdgeGateway.Testing;
using EdgeGateway.Vision.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace EdgeGateway.Host.Tests.Browser;

/// <summary>
/// The page as a technician uses it on a phone (390x844, touch) and on a desktop (1400x1000), in Chinese and
/// in English: a real gateway with a camera (the street clip through YOLOX-Nano) and the simulated elevator.
/// </summary>
[Trait("Category", "Integration")]
public sealed class PhonePageTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Password = "machine-room-2026";
    private static readonly string PasswordHash = TechnicianPassword.Hash(Password);
    private readonly string _data = Directory.CreateTempSubdirectory("edgegw-phone-").FullName;
    private MosquittoBroker _broker = null!;

    public static TheoryData<string, string> ScreensAndLanguages => new()
    {
        { Screen.Phone390.Name, "zh-CN" },
        { Screen.Phone390.Name, "en-US" },
        { Screen.Desktop1400.Name, "zh-CN" },
        { Screen.Desktop1400.Name, "en-US" },
    };

    public async Task InitializeAsync()
    {
        _broker = await MosquittoBroker.StartAsync();
        await new ModelCatalog().EnsureFetchedAsync("yolox-nano-coco80");
    }

    private Dictionary<string, string?> Box() => new()
    {
        ["Device:Id"] = "gw-elev-0007",
        ["Device:Site"] = "sh-jingan-0031",
        ["Storage:DataDir"] = _data,
        ["Uplink:Broker"] = _broker.Url,
        ["Diagnostics:PasswordHash"] = PasswordHash,
        ["Diagnostics:TimeZone"] = "Asia/Shanghai",
        ["Host:ConfigPath"] = Path.Combine(_data, "gateway.json"), // device.key beside it signs the report
        ["Elevator:Board"] = "simulated",
        ["Elevator:Floors"] = "12",
        ["Cameras:0:Id"] = "car1",
        ["Cameras:0:Url"] = RepoPaths.SharedFile("video", "street-720p-10fps.mp4"),
        ["Cameras:0:Role"] = "car",
        ["Cameras:0:Model"] = "yolox-nano-coco80",
        ["Cameras:0:Loop"] = "true",
        ["Cameras:0:AnalysisFps"] = "2",
        ["Cameras:0:Zones:0:Name"] = "door",
        ["Cameras:0:Zones:0:Points:0:0"] = "0.1",
        ["Cameras:0:Zones:0:Points:0:1"] = "0.1",
        ["Cameras:0:Zones:0:Points:1:0"] = "0.9",
        ["Cameras:0:Zones:0:Points:1:1"] = "0.1",
        ["Cameras:0:Zones:0:Points:2:0"] = "0.9",
        ["Cameras:0:Zones:0:Points:2:1"] = "0.9",
    };

    [Theory]
    [MemberData(nameof(ScreensAndLanguages))]
    public async Task The_page_fits_the_screen_speaks_the_browsers_language_and_records_a_visit(string screenName, string locale)
    {
        var screen = new[] { Screen.Phone390, Screen.Desktop1400 }.Single(s => s.Name == screenName);
        var language = locale.StartsWith("zh", StringComparison.Ordinal) ? "zh-CN" : "en";
        var text = global::EdgeGateway.Host.Diagnostics.Text.PageText.For(language);
        var deviceKey = global::EdgeGateway.Host.Setup.Provision.DeviceKeyPair.PathsBeside(Path.Combine(_data, "gateway.json"));
        global::EdgeGateway.Host.Setup.Provision.DeviceKeyPair.Generate(deviceKey, "gw-elev-0007", "sh-jingan-0031", replace: false);
        await using var gateway = await RunningGateway.StartAsync(Box());
        await using var chromium = await Chromium.StartAsync(gateway.Certificate, screen, locale);
        var page = await chromium.NewPageAsync();
        await page.GotoAsync(gateway.Address.ToString());

        // The login, in the browser's language, fits the screen.
        await Expect(page.Locator("#login-button")).ToHaveTextAsync(text["login.submit"]);
        await AssertFitsAsync(page, language, "login");
        await page.Locator("#password").FillAsync("not-the-password");
        await page.Locator("#login-button").ClickAsync();
        await Expect(page.Locator("#login-error")).ToHaveTextAsync(text["login.wrong"]);

        await page.Locator("#password").FillAsync(Password);
        await page.Locator("#login-button").ClickAsync();
        await Expect(page.Locator("#app")).ToBeVisibleAsync();
        await Expect(page.Locator("#live")).ToHaveTextAsync(text["live.live"]);

        // A camera frame (with the model's boxes and the door zone drawn by the pipeline).
        await Expect(page.Locator("img[data-frame=car1][data-loaded=true]")).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        var frameWidth = await page.Locator("img[data-frame=car1]").EvaluateAsync<double>("img => img.getBoundingClientRect().width");
        Assert.True(frameWidth <= screen.Width, $"the camera frame is {frameWidth} px wide on a {screen.Width} px screen");

        // Times are the box's: Shanghai, named.
        await Expect(page.Locator("#box-time")).ToContainTextAsync("Asia/Shanghai");
        var shanghaiHour = TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai")).Hour;
        Assert.Matches($@"\b{shanghaiHour:00}:\d\d:\d\d", await page.Locator("#box-time").InnerTextAsync());

        // A guided signal check: the technician presses the alarm button and turns the inspection switch.
        var rig = gateway.Services.GetRequiredService<SimulatedElevatorRig>();
        await page.Locator("#signal-start").ClickAsync();
        await Expect(page.Locator("#signal-prompt")).ToContainTextAsync(text["signal.next", ("input", "")].Trim());
        rig.Car.PressAlarm(true);
        await Expect(page.Locator("#signal-table tr.seen[data-signal=alarm_button]")).ToHaveCountAsync(1, new() { Timeout = 20_000 });
        rig.Car.PressAlarm(false);
        rig.Car.InspectionSwitch = true;
        await Expect(page.Locator("#signal-table tr.seen[data-signal=inspection_mode]")).ToHaveCountAsync(1, new() { Timeout = 20_000 });
        rig.Car.InspectionSwitch = false;
        await Expect(page.Locator("#signal-table tr[data-signal=alarm_button] td").Nth(1)).ToHaveTextAsync(text["signal.seen"]);
        await page.Locator("#signal-stop").ClickAsync();
        await Expect(page.Locator("#notice")).ToContainTextAsync(text["signal.finished", ("seen", 2), ("total", "")].Split(' ')[0]);

        // An injected fault: the state, the diagram and the alert, each by its name in this language.
        rig.Car.OpenSafetyCircuit();
        try
        {
            await Expect(page.Locator("#elevator-state[data-state=SafetyOpen]")).ToHaveTextAsync(text["state.SafetyOpen"], new() { Timeout = 30_000 });
            await Expect(page.Locator("#elevator-faults [data-kind=safety_circuit_open]")).ToContainTextAsync(text["kind.safety_circuit_open"]);
            await Expect(page.Locator("#elevator-diagram g.state.current.faulted[data-state=SafetyOpen]")).ToBeVisibleAsync();
            await Expect(page.Locator("#alert-table td.kind[data-kind=safety_circuit_open]").First).ToHaveTextAsync(text["kind.safety_circuit_open"]);
        }
        finally
        {
            rig.Car.CloseSafetyCircuit();
        }

        // The state diagram is laid out so that no two edge labels overlap.
        var labels = await page.EvaluateAsync<JsonElement>(PageScripts.OverlappingEdgeLabels);
        Assert.True(labels.GetProperty("labels").GetInt32() >= 10, $"only {labels.GetProperty("labels")} edge labels drawn");
        Assert.Equal(0, labels.GetProperty("overlaps").GetInt32());

        // Full size in its own scrolling box: still no overlap, and the page itself still fits.
        await page.Locator("#diagram-zoom").ClickAsync();
        await Expect(page.Locator("#diagram-zoom")).ToHaveTextAsync(text["elevator.diagramFit"]);
        var zoomed = await page.EvaluateAsync<JsonElement>(PageScripts.OverlappingEdgeLabels);
        Assert.Equal(0, zoomed.GetProperty("overlaps").GetInt32());
        var widths = await page.EvaluateAsync<int[]>(PageScripts.Widths);
        Assert.True(widths[0] <= widths[1], $"with the diagram at full size the page is {widths[0]} px wide in a {widths[1]} px window");
        await page.Locator("#diagram-zoom").ClickAsync();
        await Expect(page.Locator("#diagram-zoom")).ToHaveTextAsync(text["elevator.diagramEnlarge"]);

        await AssertFitsAsync(page, language, "app");
        await page.EvaluateAsync("window.scrollTo(0, 0)");
        await Chromium.ScreenshotAsync(page, $"page-{screen.Name}-{language}");

        // The report button gives one self-contained file with this visit in it.
        await page.Locator("#report-technician").FillAsync("王伟 0417");
        var download = await page.RunAndWaitForDownloadAsync(() => page.Locator("#report-button").ClickAsync(), new() { Timeout = 60_000 });
        var saved = Path.Combine(_data, "report.html");
        await download.SaveAsAsync(saved);
        var html = await File.ReadAllTextAsync(saved);
        ReportAssertions.SelfContained(html);
        Assert.Contains("gw-elev-0007", html, StringComparison.Ordinal);
        Assert.Contains("王伟 0417", html, StringComparison.Ordinal);
        Assert.Contains(text["report.heading"], html, StringComparison.Ordinal);
        Assert.Matches("<figure data-camera=\"car1\">.*<img [^>]*src=\"data:image/jpeg;base64,", html);
        Assert.Contains("data-signal=\"alarm_button\" data-seen=\"true\"", html, StringComparison.Ordinal);
        Assert.Contains("Asia/Shanghai", html, StringComparison.Ordinal);
        ReportAssertions.SignedBy(html, deviceKey.KeyPath);
    }

    [Fact]
    public async Task A_dropped_stream_marks_the_data_stale_and_the_page_reconnects_and_the_language_switch_is_remembered()
    {
        var box = Box();
        foreach (var key in box.Keys.Where(k => k.StartsWith("Cameras:", StringComparison.Ordinal)).ToList())
        {
            box.Remove(key);
        }

        await using var gateway = await RunningGateway.StartAsync(box);
        // The narrowest phone the page supports.
        await using var chromium = await Chromium.StartAsync(gateway.Certificate, Screen.Phone360, "en-US");
        var page = await chromium.NewPageAsync();
        await page.GotoAsync(gateway.Address.ToString());
        await page.Locator("#password").FillAsync(Password);
        await page.Locator("#login-button").ClickAsync();
        await Expect(page.Locator("#live")).ToHaveTextAsync("live");
        await AssertFitsAsync(page, "en", "app at 360 px");
        await Expect(page.Locator("#stale")).ToBeHiddenAsync();

        // The LAN drops: the open stream ends and every new one fails.
        await page.RouteAsync("**/api/events", route => route.AbortAsync("connectionfailed"));
        gateway.Services.GetRequiredService<LiveFeed>().DisconnectAll();
        await Expect(page.Locator("#stale")).ToBeVisibleAsync(new() { Timeout = 20_000 });
        await Expect(page.Locator("#stale")).ToContainTextAsync("Data is stale");
        await Expect(page.Locator("body.stale")).ToHaveCountAsync(1);
        await Expect(page.Locator("#live")).ToHaveTextAsync("stale");

        // It comes back: the page reconnects by itself and the data is fresh again.
        await page.UnrouteAsync("**/api/events");
        await Expect(page.Locator("#live")).ToHaveTextAsync("live", new() { Timeout = 30_000 });
        await Expect(page.Locator("#stale")).ToBeHiddenAsync();
        await Expect(page.Locator("body.stale")).ToHaveCountAsync(0);

        // The technician switches to Chinese; the choice outlives a reload.
        await page.Locator("header .languages button[data-language=zh-CN]").ClickAsync();
        await Expect(page.Locator("#live")).ToHaveTextAsync("实时");
        await page.ReloadAsync();
        await Expect(page.Locator("#app")).ToBeVisibleAsync();
        await Expect(page.Locator("nav a[href='#elevator']")).ToHaveTextAsync("电梯");
        Assert.Equal("zh-CN", await page.EvaluateAsync<string>("document.documentElement.lang"));
    }

    private async Task AssertFitsAsync(IPage page, string language, string view)
    {
        await page.WaitForFunctionAsync(PageScripts.HasTouchTargets);
        var widths = await page.EvaluateAsync<int[]>(PageScripts.Widths);
        var smallest = await page.EvaluateAsync<int[]>(PageScripts.SmallestTouchTarget);
        output.WriteLine($"{view} ({language}): page {widths[0]} px in a {widths[1]} px window; smallest touch target {smallest[0]}x{smallest[1]} px");
        Assert.True(widths[0] <= widths[1], $"{view}: the page is {widths[0]} px wide in a {widths[1]} px window");
        var small = await page.EvaluateAsync<string[]>(PageScripts.SmallTouchTargets);
        Assert.True(small.Length == 0, $"{view}: touch targets under 44 px: {string.Join("; ", small)}");
        var words = await page.EvaluateAsync<JsonElement>(PageScripts.TextNotFromResources);
        Assert.Equal(language, words.GetProperty("language").GetString());
        Assert.Empty(words.GetProperty("missing").EnumerateArray().Select(e => e.GetString()));
        Assert.Empty(words.GetProperty("strays").EnumerateArray().Select(e => e.GetString()));
    }

    public async Task DisposeAsync()
    {
        await _broker.DisposeAsync();
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>What every commissioning report must be: one file that needs nothing from anywhere.</summary>
internal static class ReportAssertions
{
    public static void SelfContained(string html)
    {
        Assert.StartsWith("<!doctype html>", html, StringComparison.Ordinal);
        Assert.DoesNotMatch(new Regex("(src|href)\\s*=\\s*\"(?!data:|#)", RegexOptions.IgnoreCase), html);
        Assert.DoesNotMatch(new Regex("https?://|url\\(|@import|<script|<link", RegexOptions.IgnoreCase), html);
    }

    /// <summary>
    /// The report verifies with the box's registered key (the public half of <paramref name="deviceKeyPath"/>), and
    /// with no other: not with a stranger's key, and not once a forger re-signs it with a key of their own and
    /// writes that key into the file.
    /// </summary>
    public static void SignedBy(string html, string deviceKeyPath)
    {
        var registered = ReportSigner.ReadPublicKey(deviceKeyPath, out var problem) ?? throw new InvalidOperationException(problem);
        Assert.True(ReportSigner.Verify(html, registered), "the report is not signed with device.key");

        using var forger = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var forgerKey = forger.ExportSubjectPublicKeyInfo();
        Assert.False(ReportSigner.Verify(html, forgerKey), "a stranger's key verifies the report");

        var begin = html.IndexOf(CommissioningReport.SignedBegin, StringComparison.Ordinal) + CommissioningReport.SignedBegin.Length + 1;
        var end = html.IndexOf(CommissioningReport.SignedEnd, StringComparison.Ordinal);
        var forgedContent = html[begin..end].Replace("<td>", "<td>forged ", StringComparison.Ordinal);
        var forgedSignature = Convert.ToBase64String(forger.SignData(
            System.Text.Encoding.UTF8.GetBytes(forgedContent), System.Security.Cryptography.HashAlgorithmName.SHA256,
            System.Security.Cryptography.DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
        var forged = html[..begin] + forgedContent + html[end..];
        forged = Regex.Replace(forged, "data-signature=\"[^\"]*\"", $"data-signature=\"{forgedSignature}\"");
        forged = Regex.Replace(forged, "data-public-key=\"[^\"]*\"", $"data-public-key=\"{Convert.ToBase64String(forgerKey)}\"");
        forged = Regex.Replace(forged, "data-fingerprint=\"[^\"]*\"", $"data-fingerprint=\"{ReportSigner.Fingerprint(forgerKey)}\"");
        Assert.True(ReportSigner.Verify(forged, forgerKey), "the forgery is not even self-consistent");
        Assert.False(ReportSigner.Verify(forged, registered), "a report re-signed with another key verifies as the box's");
    }
}
