using System.Diagnostics;
using System.Text.Json.Nodes;
using EdgeGateway.Host.Diagnostics.Commissioning;
using EdgeGateway.Host.Setup.Provision;
using EdgeGateway.Host.Tests.Browser;
using EdgeGateway.Testing;
using EdgeGateway.Vision.Models;

namespace EdgeGateway.Host.Tests.Setup;

/// <summary>
/// `edgegw report` as its own process on an elevator box with the simulated board and a car camera: the
/// commissioning record holds the device, the doctor, a frame per camera and the visit's signal checks, is signed
/// with the box's key, opens in Chromium without a single request and prints to PDF.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ReportCommandTests : IAsyncLifetime
{
    private readonly TempDir _dir = new();
    private MosquittoBroker _broker = null!;

    public async Task InitializeAsync()
    {
        _broker = await MosquittoBroker.StartAsync();
        await new ModelCatalog().EnsureFetchedAsync("yolox-nano-coco80");
    }

    private string WriteConfig()
    {
        var config = _dir.File("gateway.json");
        var json = new JsonObject
        {
            ["Device"] = new JsonObject { ["Id"] = "gw-elev-0815", ["Site"] = "sh-pudong-0815" },
            ["Storage"] = new JsonObject { ["DataDir"] = _dir.File("data") },
            ["Uplink"] = new JsonObject { ["Broker"] = _broker.Url },
            ["Diagnostics"] = new JsonObject { ["TimeZone"] = "Asia/Shanghai" },
            ["Elevator"] = new JsonObject { ["Board"] = "simulated", ["Floors"] = 12 },
            ["Cameras"] = new JsonArray(new JsonObject
            {
                ["Id"] = "car1",
                ["Url"] = RepoPaths.SharedFile("video", "street-720p-10fps.mp4"),
                ["Role"] = "car",
                ["Model"] = "yolox-nano-coco80",
                ["Loop"] = true,
                ["AnalysisFps"] = 2,
                ["Zones"] = new JsonArray(new JsonObject { ["Name"] = "door", ["Points"] = new JsonArray(new JsonArray(0.1, 0.1), new JsonArray(0.9, 0.1), new JsonArray(0.5, 0.9)) }),
            }),
        };
        File.WriteAllText(config, json.ToJsonString());
        return config;
    }

    [Fact]
    public async Task The_report_holds_the_visit_is_signed_opens_offline_and_prints_to_pdf()
    {
        var config = WriteConfig();
        DeviceKeyPair.Generate(DeviceKeyPair.PathsBeside(config), "gw-elev-0815", "sh-pudong-0815", replace: false);
        // The visit's signal check, as the page recorded it in the data folder.
        var started = new DateTimeOffset(2026, 12, 3, 2, 0, 0, TimeSpan.Zero);
        new SignalCheck(false, started, started.AddMinutes(4),
        [
            new SignalCheckInput("door_closed", true, started.AddSeconds(30), started.AddSeconds(35)),
            new SignalCheckInput("alarm_button", false, started.AddSeconds(70), started.AddSeconds(74)),
            new SignalCheckInput("fire_mode", false, null, null),
        ]).Write(_dir.File("data"));
        var report = _dir.File("visit/report.html");

        var (exit, output, errors) = await EdgegwAsync("report", "--config", config, "--out", report, "--technician", "王伟 0417", "--lang", "zh-CN");

        Assert.True(exit is 0 or 1, $"exit {exit}: {output} {errors}");
        Assert.Contains("1/1 camera frames", output, StringComparison.Ordinal);
        var html = await File.ReadAllTextAsync(report);
        ReportAssertions.SelfContained(html);
        Assert.Contains("<tr data-fact=\"device\"><th>设备</th><td>gw-elev-0815</td></tr>", html, StringComparison.Ordinal);
        Assert.Contains("<td>simulated</td>", html, StringComparison.Ordinal);
        Assert.Contains("王伟 0417", html, StringComparison.Ordinal);
        Assert.Contains("<tr data-check=\"config\">", html, StringComparison.Ordinal);
        Assert.Contains("<tr data-check=\"broker\">", html, StringComparison.Ordinal);
        Assert.Matches("<figure data-camera=\"car1\">.*<img alt=\"car1\" src=\"data:image/jpeg;base64,/9j/", html);
        Assert.Contains("door", html, StringComparison.Ordinal);
        Assert.Matches("<tr data-detection=\"(dog|bicycle|car)\"><td>\\w+</td><td>0\\.\\d\\d</td>", html); // The street clip's dog, bicycle and car.
        Assert.Contains("<tr data-signal=\"alarm_button\" data-seen=\"true\"><td>紧急报警按钮</td><td class=\"pass\">已识别</td><td>2026-12-03 10:01:10 Asia/Shanghai (UTC+08:00)</td>", html, StringComparison.Ordinal);
        Assert.Contains("<tr data-signal=\"fire_mode\" data-seen=\"false\"><td>消防开关</td><td class=\"fail\">未识别</td>", html, StringComparison.Ordinal);
        Assert.Contains("data-fact=\"backlog\"", html, StringComparison.Ordinal);

        // Signed with device.key: the signature holds with that key only, and a changed word breaks it.
        var deviceKey = DeviceKeyPair.PathsBeside(config).KeyPath;
        ReportAssertions.SignedBy(html, deviceKey);
        var registered = ReportSigner.ReadPublicKey(deviceKey, out _)!;
        Assert.False(ReportSigner.Verify(html.Replace("gw-elev-0815</td>", "gw-elev-0816</td>", StringComparison.Ordinal), registered));

        // The office checks it with the key the box registered, never with the one the file carries.
        var publicPem = _dir.File("box.pub.pem");
        await File.WriteAllTextAsync(publicPem, System.Security.Cryptography.PemEncoding.WriteString("PUBLIC KEY", registered));
        var (verified, verifiedOut, _) = await EdgegwAsync("verify-report", "--report", report, "--public-key", publicPem);
        Assert.Equal(0, verified);
        Assert.Contains($"signed by the key with SHA-256 {ReportSigner.Fingerprint(registered)}", verifiedOut, StringComparison.Ordinal);
        using var stranger = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var strangerPem = _dir.File("stranger.pub.pem");
        await File.WriteAllTextAsync(strangerPem, stranger.ExportSubjectPublicKeyInfoPem());
        var (refused, _, refusedErrors) = await EdgegwAsync("verify-report", "--report", report, "--public-key", strangerPem);
        Assert.Equal(1, refused);
        Assert.Contains("NOT verified", refusedErrors, StringComparison.Ordinal);

        await using var chromium = await Chromium.StartAsync();
        var page = await chromium.NewPageAsync();
        var requests = new List<string>();
        page.Request += (_, request) => requests.Add(request.Url);
        await page.GotoAsync(new Uri(report).AbsoluteUri);
        var frameWidth = await page.Locator("figure[data-camera=car1] img").EvaluateAsync<int>("img => img.naturalWidth");
        Assert.True(frameWidth >= 320, $"the frame decodes {frameWidth} px wide");
        Assert.Equal([new Uri(report).AbsoluteUri], requests.Where(u => !u.StartsWith("data:", StringComparison.Ordinal)));
        var pdf = await page.PdfAsync(new() { Format = "A4", PrintBackground = true });
        Assert.Equal("%PDF", System.Text.Encoding.ASCII.GetString(pdf, 0, 4));
        Assert.True(pdf.Length > 30_000, $"the PDF is only {pdf.Length} bytes");
    }

    [Fact]
    public async Task A_missing_technician_name_is_one_line_and_no_file()
    {
        var config = WriteConfig();
        var report = _dir.File("report.html");
        var (exit, _, errors) = await EdgegwAsync("report", "--config", config, "--out", report, "--technician", " ");
        Assert.Equal(2, exit);
        Assert.Equal("edgegw report: --technician '' is invalid; expected the technician's name or badge number, 1 to 64 characters", errors.Trim());
        Assert.False(File.Exists(report));
    }

    private static async Task<(int Exit, string Output, string Errors)> EdgegwAsync(params string[] args)
    {
        var start = new ProcessStartInfo(SystemdParent.DotnetHost) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "edgegw.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await errors);
    }

    public async Task DisposeAsync()
    {
        await _broker.DisposeAsync();
        _dir.Dispose();
    }
}
