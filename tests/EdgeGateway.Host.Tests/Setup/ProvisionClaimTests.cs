using System.Net.Http.Json;
using System.Text.Json;
using CloudRelay.Api;
using CloudRelay.Hosting;
using EdgeGateway.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using EdgeGateway.Host.Setup;
using EdgeGateway.Host.Setup.Provision;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console.Testing;

namespace EdgeGateway.Host.Tests.Setup;

/// <summary>Non-interactive provisioning against a real relay (embedded MQTT broker, SQLite).</summary>
[Trait("Category", "Integration")]
public sealed class ProvisionClaimTests : IAsyncLifetime
{
    private const string ApiKey = "platform-test-key";
    private readonly TempDir _dir = new();
    private readonly int _mqttPort = FreePort.Next();
    private WebApplication _relay = null!;
    private Uri _relayUrl = null!;

    public async Task InitializeAsync()
    {
        _relay = RelayHost.Build(new RelayStartOptions
        {
            MqttPort = _mqttPort,
            MqttBindAddress = "127.0.0.1",
            AllowPlaintext = true,
            HttpUrl = "http://127.0.0.1:0",
            DataDir = _dir.File("relay"),
            ApiKey = ApiKey,
            LogLevel = Microsoft.Extensions.Logging.LogLevel.Warning,
        });
        await _relay.StartAsync();
        _relayUrl = new Uri(_relay.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    private async Task<string> ClaimCodeAsync()
    {
        using var http = new HttpClient { BaseAddress = _relayUrl };
        http.DefaultRequestHeaders.Add(RelayApi.ApiKeyHeader, ApiKey);
        using var response = await http.PostAsync(new Uri("/api/devices/xuhui-0193/kitchen-0042/claim-code", UriKind.Relative), null);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonDocument>())!.RootElement.GetProperty("code").GetString()!;
    }

    private Task<(int ExitCode, string Output)> ProvisionAsync(string config, string code) => CliRun.SetupAsync(
        "provision", "--config", config, "--non-interactive", "--skip-models",
        "--relay-url", _relayUrl.ToString(), "--claim-code", code, "--data-dir", _dir.Path,
        "--camera", $"id=k1,url={RepoPaths.SharedFile("video", "street-720p-10fps.mp4")}",
        "--diagnostics-password-file", _dir.Secret("technician-password", "kitchen-tech-2026"));

    [Fact]
    public async Task A_claim_code_registers_the_box_once_and_is_refused_the_second_time()
    {
        var code = await ClaimCodeAsync();
        var first = _dir.File("gateway.json");

        var (exit, output) = await ProvisionAsync(first, code);

        Assert.True(exit == 0, output);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(first));
        using (var json = JsonDocument.Parse(File.ReadAllText(first)))
        {
            var root = json.RootElement;
            Assert.Equal("kitchen-0042", root.GetProperty("Device").GetProperty("Id").GetString());
            Assert.Equal("xuhui-0193", root.GetProperty("Device").GetProperty("Site").GetString());
            var token = root.GetProperty("Uplink").GetProperty("Password").GetString()!;
            Assert.True(token.Length >= 16);
            Assert.DoesNotContain(token, output, StringComparison.Ordinal);
            Assert.Contains($"Registered at {_relayUrl} as {root.GetProperty("Uplink").GetProperty("Username").GetString()}", output, StringComparison.Ordinal);
            // The installer typed no broker: the claim's answer named it.
            Assert.Equal($"mqtt://127.0.0.1:{_mqttPort}", root.GetProperty("Uplink").GetProperty("Broker").GetString());
            Assert.Contains($"Broker from the relay: mqtt://127.0.0.1:{_mqttPort}", output, StringComparison.Ordinal);
        }

        // The credentials work: the relay's broker accepts them.
        var (doctorExit, doctor) = await CliRun.SetupAsync("doctor", "--config", first);
        var brokerLine = Assert.Single(doctor.Split('\n'), l => l.Contains("│ broker", StringComparison.Ordinal));
        Assert.Contains("pass", brokerLine, StringComparison.Ordinal);
        Assert.Contains("accepted user 'xuhui-0193/kitchen-0042'", brokerLine, StringComparison.Ordinal);
        // Only the model may fail (this test skips its download); the exit code follows the failures.
        var failing = doctor.Split('\n').Where(l => l.Contains("│ FAIL", StringComparison.Ordinal)).ToList();
        Assert.All(failing, l => Assert.StartsWith("│ model", l.TrimStart(), StringComparison.Ordinal));
        Assert.Equal(failing.Count > 0 ? 1 : 0, doctorExit);

        var second = _dir.File("again.json");
        (exit, output) = await ProvisionAsync(second, code);
        Assert.Equal(3, exit);
        Assert.Contains("claim code refused by the relay", output, StringComparison.Ordinal);
        Assert.False(File.Exists(second));
    }

    [Fact]
    public async Task At_the_keyboard_the_installer_types_only_the_relay_the_claim_code_the_relay_CA_the_camera_and_the_password()
    {
        var code = await ClaimCodeAsync();
        var config = _dir.File("typed.json");
        var console = new TestConsole().Interactive();
        console.Profile.Width = 200;
        console.Input.PushTextWithEnter(_relayUrl.ToString());                         // Relay URL
        console.Input.PushTextWithEnter(code);                                         // Claim code
        console.Input.PushTextWithEnter(string.Empty);                                 // Relay CA fingerprint: its broker has no TLS
        console.Input.PushTextWithEnter("y");                                          // Add a camera?
        console.Input.PushTextWithEnter(string.Empty);                                 //   Camera id [k1]
        console.Input.PushTextWithEnter(RepoPaths.SharedFile("video", "street-720p-10fps.mp4"));
        console.Input.PushKey(ConsoleKey.Enter);                                       //   Role: the first
        console.Input.PushKey(ConsoleKey.DownArrow);                                   //   Detector model: the second
        console.Input.PushKey(ConsoleKey.Enter);
        console.Input.PushTextWithEnter(string.Empty);                                 //   no zone
        console.Input.PushTextWithEnter("n");                                          // Add another camera?
        console.Input.PushTextWithEnter(string.Empty);                                 // no elevator board
        console.Input.PushTextWithEnter("kitchen-tech-2026");                          // technician password
        console.Input.PushTextWithEnter("kitchen-tech-2026");                          // again
        using var http = new HttpClient();
        var catalog = InstallCatalog.Discover();
        var provisioner = new Provisioner(console, http, TimeProvider.System, catalog, new CatalogModelFetcher());

        var exit = await provisioner.RunAsync(new ProvisionInput { ConfigPath = config, SkipModels = true, DataDir = _dir.Path }, interactive: true, CancellationToken.None);

        var transcript = console.Output;
        Assert.True(exit == 0, transcript);
        Assert.DoesNotContain("MQTT broker", transcript, StringComparison.Ordinal);
        // Spectre erases a selection prompt once answered; the transcript keeps each answer.
        var models = catalog.Models.Count > 0 ? catalog.Models : [CameraFlags.DefaultModel, "yolox-nano-coco80"];
        Assert.Contains($"Role: {GatewaySettingsValidator.Roles[0]}", transcript, StringComparison.Ordinal);
        Assert.Contains($"Detector model: {models[1]}", transcript, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(File.ReadAllText(config));
        Assert.Equal($"mqtt://127.0.0.1:{_mqttPort}", json.RootElement.GetProperty("Uplink").GetProperty("Broker").GetString());
        Assert.Equal(models[1], json.RootElement.GetProperty("Cameras")[0].GetProperty("Model").GetString());
    }

    [Fact]
    public async Task An_unknown_claim_code_is_refused_and_nothing_is_written()
    {
        var config = _dir.File("gateway.json");
        var (exit, output) = await ProvisionAsync(config, "ZZZZ-ZZZZ-ZZZZ");
        Assert.Equal(3, exit);
        Assert.Contains("claim code refused by the relay", output, StringComparison.Ordinal);
        Assert.False(File.Exists(config));
    }

    public async Task DisposeAsync()
    {
        await _relay.StopAsync();
        await _relay.DisposeAsync();
        _dir.Dispose();
    }
}
