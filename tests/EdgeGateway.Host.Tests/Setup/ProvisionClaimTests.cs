using System.Net.Http.Json;
using System.Text.Json;
using CloudRelay.Api;
using CloudRelay.Hosting;
using EdgeGateway.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

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
        "--relay-url", _relayUrl.ToString(), "--claim-code", code,
        "--broker", $"mqtt://127.0.0.1:{_mqttPort}", "--data-dir", _dir.Path,
        "--camera", $"id=k1,url={RepoPaths.SharedFile("video", "street-720p-10fps.mp4")}",
        "--diagnostics-password", "kitchen-tech-2026");

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
