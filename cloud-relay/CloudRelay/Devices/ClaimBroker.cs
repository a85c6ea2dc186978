using System.Security.Cryptography.X509Certificates;
using CloudRelay.Settings;
using CloudRelay.Tls;
using EdgeGateway.Contracts;

namespace CloudRelay.Devices;

/// <summary>
/// Where a claimed box connects, told in the claim's answer so the installer never types it:
/// <c>Relay:Mqtt:PublicBroker</c> when set, else the embedded broker at the host name the installer
/// reached the relay by (<c>mqtts://host:TlsPort</c> when the relay has its certificate, else
/// <c>mqtt://host:Port</c> with plain MQTT allowed). With TLS, the CA that <c>certs init</c> made is
/// sent too (it is public), with its SHA-256 fingerprint for the installer to compare.
/// </summary>
public static class ClaimBroker
{
    public static (string? Broker, string? CaSha256, string? CaPem) For(RelayOptions options, string requestHost)
    {
        ArgumentNullException.ThrowIfNull(options);
        var mqtt = options.Mqtt;
        var broker = mqtt.PublicBroker is { Length: > 0 } configured ? configured
            : !string.IsNullOrWhiteSpace(mqtt.Broker) ? null // External broker: only the operator knows its public name.
            : RelayTls.CertificateFiles(options) is not null && mqtt.TlsPort > 0 ? $"mqtts://{requestHost}:{mqtt.TlsPort}"
            : mqtt.AllowPlaintext && mqtt.Port > 0 ? $"mqtt://{requestHost}:{mqtt.Port}"
            : null;
        var authority = Path.Combine(RelayTls.DefaultFolder(options.DataDir), RelayTls.AuthorityFileName);
        if (!BrokerAddress.TryParse(broker, out var address, out _) || !address.Tls || !File.Exists(authority))
        {
            return (broker, null, null);
        }

        using var certificate = X509CertificateLoader.LoadCertificateFromFile(authority);
        return (broker, RelayCertificateAuthority.Fingerprint(certificate), certificate.ExportCertificatePem());
    }
}
