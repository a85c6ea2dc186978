using System.Globalization;
using CloudRelay.Cases;
using CloudRelay.Hosting;
using CloudRelay.OperatorConsole;
using CloudRelay.Database;
using EdgeGateway.Host.Diagnostics;
using EdgeGateway.Simulation;
using EdgeGateway.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace EdgeGateway.Host.Tests.Browser;

/// <summary>
/// The supervision chain with every part real: the gateway's fault machine on a simulated elevator raises
/// safety_circuit_open, its uplink carries it to the relay, the relay opens a case, and in Chromium an operator finds
/// it in the console and rectifies it with a note while a viewer cannot.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ConsoleWithGatewayTests : IAsyncDisposable
{
    private const string Site = "sh-pudong-0815";
    private const string Device = "gw-elev-0001";
    private const string OperatorPassword = "lift-watch-2026";
    private const string ViewerPassword = "read-only-2026";
    private readonly string _dir = Directory.CreateTempSubdirectory("edgegw-console-").FullName;

    [Fact]
    public async Task A_fault_the_gateway_raises_becomes_a_case_that_an_operator_rectifies_in_the_console_and_a_viewer_cannot()
    {
        Assert.True(Chromium.IsInstalled, $"{Chromium.ExecutablePath} is needed for the console test");
        var relayData = Path.Combine(_dir, "relay");
        CloudRelay.Tls.RelayCertificateAuthority.Init(Path.Combine(relayData, "tls"), [], force: false, TimeProvider.System);
        var mqttPort = FreePort.Next();
        var consoleUrl = $"https://127.0.0.1:{FreePort.Next()}";
        await using var relay = RelayHost.Build(new RelayStartOptions
        {
            MqttPort = mqttPort,
            MqttBindAddress = "127.0.0.1",
            AllowPlaintext = true,
            HttpUrl = consoleUrl,
            DataDir = relayData,
            LogLevel = Microsoft.Extensions.Logging.LogLevel.Warning,
            Settings = new Dictionary<string, string?>
            {
                ["Mqtt:TlsPort"] = FreePort.Next().ToString(CultureInfo.InvariantCulture),
                ["Mqtt:TlsBindAddress"] = "127.0.0.1",
            },
        });
        await relay.StartAsync();
        var operators = relay.Services.GetRequiredService<Operators>();
        await operators.AddAsync("lin.fang", OperatorRoles.Operator, OperatorPassword);
        await operators.AddAsync("zhou.yi", OperatorRoles.Viewer, ViewerPassword);
        var credentials = await relay.RegisterDeviceAsync(Site, Device);

        await using var gateway = await RunningGateway.StartAsync(new Dictionary<string, string?>
        {
            ["Device:Id"] = Device,
            ["Device:Site"] = Site,
            ["Storage:DataDir"] = Path.Combine(_dir, "box"),
            ["Uplink:Broker"] = $"mqtt://127.0.0.1:{mqttPort}",
            ["Uplink:Username"] = credentials.Username,
            ["Uplink:Password"] = credentials.Password,
            ["Uplink:ReconnectMinMs"] = "100",
            ["Uplink:ReconnectMaxMs"] = "1000",
            ["Diagnostics:PasswordHash"] = TechnicianPassword.Hash("kitchen-tech-2026"),
            ["Elevator:Board"] = "simulated",
            ["Elevator:Floors"] = "12",
        });

        // The installation's safety circuit opens: the gateway raises safety_circuit_open, the relay opens a case.
        // It stays open while the operator works, so the box does not resolve the case at the source first.
        var rig = gateway.Services.GetRequiredService<SimulatedElevatorRig>();
        rig.Car.OpenSafetyCircuit();
        try
        {
            await OperatorRectifiesAndViewerCannotAsync(relay, consoleUrl, relayData);
        }
        finally
        {
            rig.Car.CloseSafetyCircuit();
        }
    }

    private static async Task OperatorRectifiesAndViewerCannotAsync(WebApplication relay, string consoleUrl, string relayData)
    {
        var cases = relay.Services.GetRequiredService<ICaseStore>();
        CaseRecord? opened = null;
        using (var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            while ((opened = (await cases.QueryCasesAsync(new CaseQuery(), CancellationToken.None)).Items.SingleOrDefault(c => c.Kind == "safety_circuit_open")) is null)
            {
                Assert.False(limit.IsCancellationRequested, "the gateway's safety_circuit_open opened no case at the relay within 30 s");
                await Task.Delay(100);
            }
        }

        Assert.Equal((Site, Device), (opened!.Site, opened.Device));
        await using var chromium = await Chromium.StartAsync(Path.Combine(relayData, "tls", "relay.crt"));
        var page = await chromium.NewPageAsync();
        await page.GotoAsync($"{consoleUrl}/console");
        await ConsoleLogin.LogInAsync(page, "lin.fang", OperatorPassword);
        await page.GotoAsync($"{consoleUrl}/console/cases");
        var row = page.Locator($"#cases tr[data-state=open]");
        await Expect(row).ToHaveCountAsync(1);
        await row.Locator("a").ClickAsync();
        await Expect(page.Locator("#alerts li")).Not.ToHaveCountAsync(0);
        await page.Locator("#note").FillAsync("Safety chain contact replaced, tested three runs");
        await page.Locator("#rectify-button").ClickAsync();
        var rectified = page.Locator("#timeline li[data-type=rectified]");
        await Expect(rectified.Locator(".note")).ToHaveTextAsync("Safety chain contact replaced, tested three runs");
        var stored = (await cases.FindCaseAsync(opened.Id, CancellationToken.None))!;
        Assert.Equal(CaseStates.Rectified, stored.Case.State);

        // The viewer sees the case but has no actions, and the server refuses a reopen anyway.
        await page.Locator("#logout").ClickAsync();
        await ConsoleLogin.LogInAsync(page, "zhou.yi", ViewerPassword);
        await page.GotoAsync($"{consoleUrl}/console/cases/{opened.Id:D}");
        await Expect(page.Locator("#viewer-notice")).ToBeVisibleAsync();
        await Expect(page.Locator("#rectify")).ToHaveCountAsync(0);
        var status = await page.EvaluateAsync<int>("""
            async () => {
              const body = new FormData();
              body.append("_csrf", document.querySelector("input[name=_csrf]").value);
              const response = await fetch(location.pathname + "/reopen", { method: "POST", body });
              return response.status;
            }
            """);
        Assert.Equal(403, status);
        Assert.Equal(CaseStates.Rectified, (await cases.FindCaseAsync(opened.Id, CancellationToken.None))!.Case.State);
    }

    public ValueTask DisposeAsync()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open; the temp folder is cleaned later.
        }

        return ValueTask.CompletedTask;
    }
}
