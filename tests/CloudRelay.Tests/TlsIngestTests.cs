using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CloudRelay.Devices;
using CloudRelay.Hosting;
using EdgeGateway.Testing;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using MQTTnet.Formatter;

namespace CloudRelay.Tests;

[Trait("Category", "Integration")]
public sealed class TlsIngestTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("relay-tls-").FullName;

    [Fact]
    public async Task Over_tls_a_registered_client_certificate_or_a_token_logs_in_and_an_unknown_certificate_does_not()
    {
        using var serverCertificate = CreateCertificate("CN=127.0.0.1", server: true);
        var certificatePath = Path.Combine(_directory, "relay.crt");
        var keyPath = Path.Combine(_directory, "relay.key");
        await File.WriteAllTextAsync(certificatePath, serverCertificate.ExportCertificatePem());
        await File.WriteAllTextAsync(keyPath, serverCertificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        var tlsPort = FreePort.Next();
        await using var relay = await RelayTestHost.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Mqtt:TlsCertificate"] = certificatePath,
            ["Mqtt:TlsKey"] = keyPath,
            ["Mqtt:TlsPort"] = tlsPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        using var deviceCertificate = CreateCertificate("CN=box-1", server: false);
        using var strangerCertificate = CreateCertificate("CN=stranger", server: false);
        var registry = relay.App.Services.GetRequiredService<DeviceRegistry>();
        await registry.AddAsync("site-1", "box-1", DeviceRegistry.Thumbprint(deviceCertificate));
        var tokenDevice = await relay.AddDeviceAsync("site-1", "box-2");

        var byCertificate = await ConnectAsync(tlsPort, serverCertificate, deviceCertificate, null, "edgegw-site-1-box-1");
        var byToken = await ConnectAsync(tlsPort, serverCertificate, null, tokenDevice, "edgegw-site-1-box-2");
        var stranger = await ConnectAsync(tlsPort, serverCertificate, strangerCertificate, null, "edgegw-site-1-stranger");

        Assert.Equal(MqttClientConnectResultCode.Success, byCertificate.Result);
        Assert.Equal(MqttClientConnectResultCode.Success, byToken.Result);
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, stranger.Result);
        var stored = await byCertificate.Client.PublishAlertAsync(TestAlerts.Make("site-1", "box-1"));
        var forged = await byCertificate.Client.PublishAlertAsync(TestAlerts.Make("site-1", "box-2"));
        Assert.True(stored.IsSuccess);
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, forged.ReasonCode);
        Assert.Equal(1, await relay.Store.CountAlertsAsync(CancellationToken.None));
        foreach (var client in new[] { byCertificate.Client, byToken.Client, stranger.Client })
        {
            client.Dispose();
        }
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static async Task<(IMqttClient Client, MqttClientConnectResultCode Result)> ConnectAsync(
        int port, X509Certificate2 pinnedServer, X509Certificate2? clientCertificate, DeviceCredentials? credentials, string clientId)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port)
            .WithClientId(clientId)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithTimeout(TimeSpan.FromSeconds(10))
            .WithTlsOptions(tls =>
            {
                tls.UseTls(true)
                    .WithTargetHost("127.0.0.1")
                    // Pin the relay's certificate rather than trusting any.
                    .WithCertificateValidationHandler(context => context.Certificate is not null
                        && context.Certificate.GetCertHashString(HashAlgorithmName.SHA256) == pinnedServer.GetCertHashString(HashAlgorithmName.SHA256));
                if (clientCertificate is not null)
                {
                    tls.WithClientCertificates([clientCertificate]);
                }
            });
        if (credentials is not null)
        {
            builder.WithCredentials(credentials.Username, credentials.Password);
        }

        try
        {
            var result = await client.ConnectAsync(builder.Build());
            return (client, result.ResultCode);
        }
        catch (MQTTnet.Exceptions.MqttCommunicationException)
        {
            return (client, MqttClientConnectResultCode.UnspecifiedError);
        }
    }

    private static X509Certificate2 CreateCertificate(string subject, bool server)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid(server ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], critical: false));
        if (server)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
        }

        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), password: null);
    }
}
