using System.Net.Http.Json;
using System.Text.Json;
using CloudRelay.Api;
using CloudRelay.Hosting;
using CloudRelay.Tls;
using EdgeGateway.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeGateway.Host.Tests.Setup;

/// <summary>
/// Claiming from a relay that speaks MQTT over TLS only: the answer brings the mqtts:// broker and the relay's CA,
/// the box pins that CA, and its uplink connects with nothing typed but the relay URL and the claim code.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ProvisionClaimTlsTests : IAsyncLifetime
{
    private const string ApiKey = "platform-test-key";
    private readonly TempDir _dir = new();
    private readonly int _tlsPort = FreePort.Next();
    private WebApplication _relay = null!;
    private Uri _relayUrl = null!;
    private RelayCertificateFiles _certificates = null!;

    public async Task InitializeAsync()
    {
        var relayData = _dir.File("relay");
        _certificates = RelayCertificateAuthority.Init(RelayTls.DefaultFolder(relayData), ["127.0.0.1"], force: false, TimeProvider.System);
        _relay = RelayHost.Build(new RelayStartOptions
        {
            HttpUrl = "http://127.0.0.1:0",
            DataDir = relayData,
            ApiKey = ApiKey,
            LogLevel = Microsoft.Extensions.Logging.LogLevel.Warning,
            Settings = new Dictionary<string, string?>
            {
                ["Mqtt:TlsPort"] = _tlsPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Mqtt:TlsBindAddress"] = "127.0.0.1",
            },
        });
        await _relay.StartAsync();
        _relayUrl = new Uri(_relay.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    [Fact]
    public async Task The_claim_brings_the_tls_broker_and_its_CA_and_the_box_connects()
    {
        using var http = new HttpClient { BaseAddress = _relayUrl };
        http.DefaultRequestHeaders.Add(RelayApi.ApiKeyHeader, ApiKey);
        using var created = await http.PostAsync(new Uri("/api/devices/sh-pudong-0815/gw-elev-0815/claim-code", UriKind.Relative), null);
        var code = (await created.Content.ReadFromJsonAsync<JsonDocument>())!.RootElement.GetProperty("code").GetString()!;
        var config = _dir.File("gateway.json");

        var (exit, output) = await CliRun.SetupAsync(
            "provision", "--config", config, "--non-interactive", "--skip-models",
            "--relay-url", _relayUrl.ToString(), "--claim-code", code, "--data-dir", _dir.File("data"),
            "--board", "simulated", "--diagnostics-password-file", _dir.Secret("technician-password", "machine-room-2026"),
            "--relay-ca-fingerprint", _certificates.AuthorityFingerprint);

        Assert.True(exit == 0, output);
        using var json = JsonDocument.Parse(File.ReadAllText(config));
        var uplink = json.RootElement.GetProperty("Uplink");
        Assert.Equal($"mqtts://127.0.0.1:{_tlsPort}", uplink.GetProperty("Broker").GetString());
        var caFile = uplink.GetProperty("CaFile").GetString()!;
        Assert.Equal(File.ReadAllText(_certificates.AuthorityCertificate).Trim(), File.ReadAllText(caFile).Trim());
        Assert.Contains($"SHA-256 fingerprint {_certificates.AuthorityFingerprint}", output, StringComparison.Ordinal);

        // The box's uplink connects over TLS, pinned to that CA, with the claimed token.
        var (_, doctor) = await CliRun.SetupAsync("doctor", "--config", config);
        var brokerLine = Assert.Single(doctor.Split('\n'), l => l.Contains("│ broker", StringComparison.Ordinal));
        Assert.Contains("pass", brokerLine, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_relay_presenting_another_CA_than_the_one_pinned_is_refused_in_one_line_and_nothing_is_written()
    {
        // The operator's real CA, given to the installer out of band; the relay answering is another one's.
        var pinned = RelayCertificateAuthority.Init(_dir.File("operators-ca"), ["127.0.0.1"], force: false, TimeProvider.System).AuthorityFingerprint;
        var config = _dir.File("gateway.json");

        var (exit, output) = await ClaimAsync(config, "--relay-ca-fingerprint", pinned.Replace(":", string.Empty, StringComparison.Ordinal).ToLowerInvariant());

        Assert.Equal(3, exit);
        var line = Assert.Single(output.Split('\n'), l => l.Contains("--relay-ca-fingerprint", StringComparison.Ordinal));
        Assert.Contains($"--relay-ca-fingerprint = '{pinned}': the relay presented a CA with SHA-256 {_certificates.AuthorityFingerprint}, not the pinned one; nothing was written", line, StringComparison.Ordinal);
        Assert.False(File.Exists(config));
        Assert.False(File.Exists(_dir.File("relay-ca.crt")));
    }

    [Fact]
    public async Task A_tls_relay_claimed_without_a_pinned_CA_is_refused_in_one_line_and_nothing_is_written()
    {
        var config = _dir.File("gateway.json");

        var (exit, output) = await ClaimAsync(config);

        Assert.Equal(3, exit);
        var line = Assert.Single(output.Split('\n'), l => l.Contains("--relay-ca-fingerprint", StringComparison.Ordinal));
        Assert.Contains("--relay-ca-fingerprint = '': the relay's broker uses TLS, and its CA must match the fingerprint the relay operator gave you; nothing was written", line, StringComparison.Ordinal);
        Assert.DoesNotContain(_certificates.AuthorityFingerprint, output, StringComparison.Ordinal); // Nothing to copy from the answer.
        Assert.False(File.Exists(config));
        Assert.False(File.Exists(_dir.File("relay-ca.crt")));
    }

    private async Task<(int ExitCode, string Output)> ClaimAsync(string config, params string[] extra)
    {
        using var http = new HttpClient { BaseAddress = _relayUrl };
        http.DefaultRequestHeaders.Add(RelayApi.ApiKeyHeader, ApiKey);
        using var created = await http.PostAsync(new Uri("/api/devices/sh-pudong-0815/gw-elev-0815/claim-code", UriKind.Relative), null);
        var code = (await created.Content.ReadFromJsonAsync<JsonDocument>())!.RootElement.GetProperty("code").GetString()!;
        return await CliRun.SetupAsync(
        [
            "provision", "--config", config, "--non-interactive", "--skip-models",
            "--relay-url", _relayUrl.ToString(), "--claim-code", code, "--data-dir", _dir.File("data"),
            "--board", "simulated", "--diagnostics-password-file", _dir.Secret("technician-password", "machine-room-2026"),
            .. extra,
        ]);
    }

    public async Task DisposeAsync()
    {
        await _relay.StopAsync();
        await _relay.DisposeAsync();
        _dir.Dispose();
    }
}
