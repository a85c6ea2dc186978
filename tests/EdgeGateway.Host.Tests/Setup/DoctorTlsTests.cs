using System.Text.Json;
using EdgeGateway.Testing;

namespace EdgeGateway.Host.Tests.Setup;

/// <summary>
/// The doctor's broker probe is the uplink's own client: it trusts only Uplink:CaFile and presents the client
/// certificate, exactly as `edgegw run` does.
/// </summary>
[Trait("Category", "Integration")]
public sealed class DoctorTlsTests : IDisposable
{
    private readonly TempDir _dir = new();

    [Fact]
    public async Task The_broker_probe_honours_the_pinned_ca_and_the_client_certificate()
    {
        using var certificates = new TestCertificates(_dir.File("pki"));
        using var authority = certificates.CreateAuthority("edge-test-ca");
        using var stranger = certificates.CreateAuthority("some-other-ca");
        var (serverCert, serverKey) = certificates.CreateSigned(authority, "broker");
        var (clientCert, clientKey) = certificates.CreateSigned(authority, "edge-device", client: true);
        var tlsPort = FreePort.Next();
        await using var broker = await MosquittoBroker.StartAsync($"""
            listener {tlsPort} 127.0.0.1
            cafile {certificates.PathOf("edge-test-ca.pem")}
            certfile {serverCert}
            keyfile {serverKey}
            require_certificate true
            """);

        var trusted = await BrokerLineAsync(tlsPort, certificates.PathOf("edge-test-ca.pem"), clientCert, clientKey);
        var pinnedElsewhere = await BrokerLineAsync(tlsPort, certificates.PathOf("some-other-ca.pem"), clientCert, clientKey);

        Assert.Contains("pass", trusted, StringComparison.Ordinal);
        Assert.Contains("over TLS", trusted, StringComparison.Ordinal);
        Assert.Contains("FAIL", pinnedElsewhere, StringComparison.Ordinal);
        Assert.Contains("not signed by the pinned CA 'CN=some-other-ca'", pinnedElsewhere, StringComparison.Ordinal);
    }

    private async Task<string> BrokerLineAsync(int tlsPort, string caFile, string clientCert, string clientKey)
    {
        var config = _dir.File($"gateway-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(new
        {
            Device = new { Id = "box-1", Site = "site-1" },
            Storage = new { DataDir = _dir.File("data") },
            Uplink = new { Broker = $"mqtts://127.0.0.1:{tlsPort}", CaFile = caFile, ClientCertFile = clientCert, ClientKeyFile = clientKey, TimeoutSeconds = 5 },
        }));
        var (_, output) = await CliRun.SetupAsync("doctor", "--config", config);
        return Assert.Single(output.Split('\n'), l => l.Contains("│ broker", StringComparison.Ordinal));
    }

    public void Dispose() => _dir.Dispose();
}
