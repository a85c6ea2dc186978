using System.Text.RegularExpressions;
using EdgeGateway.Host.Diagnostics;
using EdgeGateway.Simulation;
using Microsoft.Extensions.DependencyInjection;
using EdgeGateway.Testing;
using EdgeGateway.Vision.Models;
using Microsoft.Playwright;
using OpenCvSharp;
using static Microsoft.Playwright.Assertions;

namespace EdgeGateway.Host.Tests.Browser;

/// <summary>
/// The technician's page in a real headless Chromium against the real gateway: the street clip
/// through FFmpeg and YOLOX-Nano, a real Mosquitto for the uplink.
/// </summary>
[Trait("Category", "Integration")]
public sealed class DiagnosticsPageTests : IAsyncLifetime
{
    private const string Password = "kitchen-tech-2026";
    private static readonly string PasswordHash = TechnicianPassword.Hash(Password);
    private readonly string _data = Directory.CreateTempSubdirectory("edgegw-page-").FullName;
    private MosquittoBroker _broker = null!;

    public async Task InitializeAsync()
    {
        _broker = await MosquittoBroker.StartAsync();
        await new ModelCatalog().EnsureFetchedAsync("yolox-nano-coco80");
    }

    private Dictionary<string, string?> KitchenBox() => new()
    {
        ["Device:Id"] = "kitchen-0042",
        ["Device:Site"] = "xuhui-0193",
        ["Storage:DataDir"] = _data,
        ["Uplink:Broker"] = _broker.Url,
        ["Diagnostics:PasswordHash"] = PasswordHash,
        ["Cameras:0:Id"] = "k1",
        ["Cameras:0:Url"] = RepoPaths.SharedFile("video", "street-720p-10fps.mp4"),
        ["Cameras:0:Role"] = "kitchen",
        ["Cameras:0:Model"] = "yolox-nano-coco80",
        ["Cameras:0:Loop"] = "true",
        ["Cameras:0:AnalysisFps"] = "5",
    };

    [Fact]
    public async Task A_technician_logs_in_and_sees_the_camera_with_boxes_alerts_with_snapshots_and_the_doctor()
    {
        await using var gateway = await RunningGateway.StartAsync(KitchenBox());
        await using var chromium = await Chromium.StartAsync(gateway.Certificate);
        var page = await chromium.NewPageAsync();
        await page.GotoAsync(gateway.Address.ToString());

        // A wrong password is refused on the page.
        await Expect(page.Locator("#login")).ToBeVisibleAsync();
        await page.Locator("#password").FillAsync("not-the-password");
        await page.Locator("#login-button").ClickAsync();
        await Expect(page.Locator("#login-error")).ToHaveTextAsync("Wrong password.");
        await Expect(page.Locator("#app")).ToBeHiddenAsync();

        await page.Locator("#password").FillAsync(Password);
        await page.Locator("#login-button").ClickAsync();
        await Expect(page.Locator("#app")).ToBeVisibleAsync();
        await Expect(page.Locator("#device-id")).ToHaveTextAsync("kitchen-0042");
        // Over https with the box's own certificate, and the session cookie never leaves it in clear.
        Assert.Equal("https", gateway.Address.Scheme);
        var session = Assert.Single(await chromium.Context.CookiesAsync(), c => c.Name == "edgegw.session");
        Assert.True(session.Secure);
        Assert.True(session.HttpOnly);
        await Expect(page.Locator("#live")).ToHaveTextAsync("live");
        await Expect(page.Locator("#uplink-state")).ToHaveTextAsync("connected", new() { Timeout = 20_000 });
        await Expect(page.Locator("[data-part=elevator]").First).ToBeHiddenAsync(); // A kitchen box has no elevator.

        // The camera frame carries the model's boxes: green for bicycle and car, red for the dog.
        var frame = page.Locator("img[data-frame=k1]");
        var drawn = await WaitForBoxesAsync(page, frame);
        var (baselineRed, baselineGreen) = BoxColouredPixelsInClip();
        Assert.True(drawn.Green > baselineGreen + 300, $"green box pixels: {drawn.Green} on the page vs {baselineGreen} in the raw clip");
        Assert.True(drawn.Red > baselineRed + 300, $"red box pixels: {drawn.Red} on the page vs {baselineRed} in the raw clip");
        await Expect(page.Locator("[data-camera=k1] .health")).ToHaveTextAsync("connected");

        // The dog in the kitchen becomes an alert with its snapshot, pushed live.
        var animal = page.Locator("#alert-table tbody tr[data-kind=animal_in_kitchen]").First;
        await Expect(animal).ToBeVisibleAsync(new() { Timeout = 30_000 });
        var snapshotWidth = await animal.Locator("img").EvaluateAsync<int>("img => img.complete ? img.naturalWidth : new Promise(r => img.onload = () => r(img.naturalWidth))");
        Assert.Equal(640, snapshotWidth);

        // The test alert button puts an alert through the real publisher and outbox.
        await page.Locator("#test-alert").ClickAsync();
        await Expect(page.Locator("#notice")).ToContainTextAsync("is in the outbox");
        await Expect(page.Locator("#alert-table td.kind[data-kind=test]").First).ToHaveTextAsync("Test alert");

        // The doctor runs inside the gateway and asks the live camera and uplink.
        await Chromium.ScreenshotAsync(page, "diagnostics-kitchen");
        await page.Locator("#run-doctor").ClickAsync();
        await Expect(page.Locator("#doctor-summary")).ToContainTextAsync(" fail", new() { Timeout = 30_000 });
        var doctor = await page.Locator("#doctor-table").InnerTextAsync();
        Assert.Contains("camera k1\tpass", doctor, StringComparison.Ordinal);
        Assert.Contains("broker\tpass", doctor, StringComparison.Ordinal);
        Assert.Contains("0 fail", await page.Locator("#doctor-summary").InnerTextAsync(), StringComparison.Ordinal);

        await Expect(page.Locator("#log-lines")).ToContainTextAsync("Test alert");
        await page.EvaluateAsync("window.scrollTo(0, 0)");
        var screenshot = await Chromium.ScreenshotAsync(page, "diagnostics-kitchen");
        Assert.True(new FileInfo(screenshot).Length > 10_000);
    }

    [Fact]
    public async Task On_an_elevator_box_an_injected_fault_changes_the_state_and_diagram_and_maintenance_is_checked_in()
    {
        await using var gateway = await RunningGateway.StartAsync(new Dictionary<string, string?>
        {
            ["Device:Id"] = "gw-elev-0001",
            ["Device:Site"] = "sh-pudong-0815",
            ["Storage:DataDir"] = _data,
            ["Uplink:Broker"] = _broker.Url,
            ["Diagnostics:PasswordHash"] = PasswordHash,
            ["Elevator:Board"] = "simulated",
            ["Elevator:Floors"] = "12",
        });
        await using var chromium = await Chromium.StartAsync(gateway.Certificate);
        var page = await chromium.NewPageAsync();
        await page.GotoAsync(gateway.Address.ToString());
        await page.Locator("#password").FillAsync(Password);
        await page.Locator("#login-button").ClickAsync();
        await Expect(page.Locator("#elevator")).ToBeVisibleAsync();
        await Expect(page.Locator("#cameras")).ToBeHiddenAsync(); // No cameras on this box.

        // The fault machine's Mermaid diagram is drawn, with the state the car is in now marked.
        await Expect(page.Locator("#elevator-diagram svg g.state[data-state=SafetyOpen]")).ToBeVisibleAsync();
        var before = await page.Locator("#elevator-state").GetAttributeAsync("data-state");
        Assert.NotEqual("SafetyOpen", before);
        await Expect(page.Locator("#elevator-diagram svg g.state.current[data-state=SafetyOpen]")).ToHaveCountAsync(0);
        await Expect(page.Locator("#elevator-inputs [data-input=safety_circuit]")).ToHaveTextAsync("safety circuit: on");
        await Expect(page.Locator("#elevator-mode")).ToHaveTextAsync("normal");

        // The run statistics are shown as numbers from the start.
        await Expect(page.Locator("#elevator-stats")).ToBeVisibleAsync();
        await Expect(page.Locator("#stat-runs")).ToHaveTextAsync(new Regex(@"^\d+$"));
        await Expect(page.Locator("#stat-max-speed")).ToHaveTextAsync(new Regex(@"^\d+\.\d\d m/s$"));

        // Inject a fault into the simulated installation: the safety circuit opens.
        var rig = gateway.Services.GetRequiredService<SimulatedElevatorRig>();
        rig.Car.OpenSafetyCircuit();
        try
        {
            await SeeFaultAsync(page);
        }
        finally
        {
            // An installation left with an open safety circuit does not stop cleanly (reported upstream).
            rig.Car.CloseSafetyCircuit();
        }

        // The technician repairs it and checks in the maintenance visit.
        await Expect(page.Locator("#elevator-inputs [data-input=safety_circuit]")).ToHaveTextAsync("safety circuit: on");
        await Expect(page.Locator("#elevator-maintenance")).ToHaveTextAsync("never");
        await page.Locator("#technician").FillAsync("Wang Wei 0417");
        await page.Locator("#check-in").ClickAsync();
        await Expect(page.Locator("#notice")).ToHaveTextAsync("Maintenance check-in recorded for Wang Wei 0417.");
        await Expect(page.Locator("#elevator-maintenance")).Not.ToHaveTextAsync("never");
        await Expect(page.Locator("#log-lines")).ToContainTextAsync("Maintenance check-in by Wang Wei 0417");

        // A technician turns the inspection switch: the page shows the mode, and the mode's alert with its platform code.
        rig.Car.InspectionSwitch = true;
        await Expect(page.Locator("#elevator-mode")).ToHaveTextAsync("inspection", new() { Timeout = 30_000 });
        await Expect(page.Locator("#elevator-faults")).ToContainTextAsync("Inspection mode (M01)");
        rig.Car.InspectionSwitch = false;
        await Expect(page.Locator("#elevator-mode")).ToHaveTextAsync("normal", new() { Timeout = 30_000 });

        await page.EvaluateAsync("document.getElementById('elevator').scrollIntoView()");
        var screenshot = await Chromium.ScreenshotAsync(page, "diagnostics-elevator");
        Assert.True(new FileInfo(screenshot).Length > 10_000);
    }

    [Fact]
    public async Task Wrong_passwords_in_the_browser_run_into_the_rate_limit()
    {
        var box = KitchenBox();
        box.Remove("Cameras:0:Id");
        foreach (var key in box.Keys.Where(k => k.StartsWith("Cameras:", StringComparison.Ordinal)).ToList())
        {
            box.Remove(key);
        }

        await using var gateway = await RunningGateway.StartAsync(box);
        await using var chromium = await Chromium.StartAsync(gateway.Certificate);
        var page = await chromium.NewPageAsync();
        await page.GotoAsync(gateway.Address.ToString());
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            await page.Locator("#password").FillAsync($"guess-{attempt}");
            await page.Locator("#login-button").ClickAsync();
            await Expect(page.Locator("#login-error")).ToHaveTextAsync("Wrong password.");
            await page.Locator("#login-error").EvaluateAsync("e => e.textContent = ''");
        }

        await page.Locator("#password").FillAsync(Password);
        await page.Locator("#login-button").ClickAsync();
        await Expect(page.Locator("#login-error")).ToContainTextAsync("Too many attempts");
        await Expect(page.Locator("#app")).ToBeHiddenAsync();
    }

    private static async Task SeeFaultAsync(IPage page)
    {
        await Expect(page.Locator("#elevator-state[data-state=SafetyOpen]")).ToHaveTextAsync("Safety circuit open", new() { Timeout = 30_000 });
        await Expect(page.Locator("#elevator-faults")).ToContainTextAsync("Safety circuit open (E09)");
        await Expect(page.Locator("#elevator-inputs [data-input=safety_circuit]")).ToHaveTextAsync("safety circuit: off");
        await Expect(page.Locator("#elevator-diagram svg g.state.current[data-state=SafetyOpen]")).ToBeVisibleAsync();
        await Expect(page.Locator("#alert-table tbody tr[data-kind=safety_circuit_open]").First).ToBeVisibleAsync();
    }

    /// <summary>Reads the camera image back through a canvas until the model's boxes show.</summary>
    private static async Task<(int Red, int Green)> WaitForBoxesAsync(IPage page, ILocator frame)
    {
        (int Red, int Green) last = default;
        for (var i = 0; i < 60; i++)
        {
            var counts = await frame.EvaluateAsync<int[]>("""
                img => {
                  if (!img.complete || img.naturalWidth === 0) return [0, 0];
                  const canvas = document.createElement('canvas');
                  canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
                  const g = canvas.getContext('2d');
                  g.drawImage(img, 0, 0);
                  const d = g.getImageData(0, 0, canvas.width, canvas.height).data;
                  let red = 0, green = 0;
                  for (let i = 0; i < d.length; i += 4) {
                    if (d[i] > 190 && d[i + 1] < 80 && d[i + 2] < 80) red++;
                    if (d[i + 1] > 150 && d[i] < 90 && d[i + 2] < 90) green++;
                  }
                  return [red, green];
                }
                """);
            last = (counts[0], counts[1]);
            if (last.Red > 300 && last.Green > 300)
            {
                return last;
            }

            await page.WaitForTimeoutAsync(500);
        }

        return last;
    }

    /// <summary>The same colour test on the clip's own frames at the page's size: what there is without boxes.</summary>
    private static (int Red, int Green) BoxColouredPixelsInClip()
    {
        using var capture = new VideoCapture(RepoPaths.SharedFile("video", "street-720p-10fps.mp4"));
        using var frame = new Mat();
        using var small = new Mat();
        var (red, green) = (0, 0);
        for (var i = 0; i < 100 && capture.Read(frame) && !frame.Empty(); i += 10)
        {
            Cv2.Resize(frame, small, new Size(640, 360), 0, 0, InterpolationFlags.Area);
            small.GetArray(out Vec3b[] pixels);
            var frameRed = pixels.Count(p => p.Item2 > 190 && p.Item1 < 80 && p.Item0 < 80); // BGR
            var frameGreen = pixels.Count(p => p.Item1 > 150 && p.Item2 < 90 && p.Item0 < 90);
            (red, green) = (Math.Max(red, frameRed), Math.Max(green, frameGreen));
            capture.Set(VideoCaptureProperties.PosFrames, i + 10);
        }

        return (red, green);
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
