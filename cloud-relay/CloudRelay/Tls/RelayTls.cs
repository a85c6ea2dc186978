using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CloudRelay.Settings;

namespace CloudRelay.Tls;

/// <summary>
/// The relay's one rule for encryption: which certificate it serves (MQTT over TLS and an https:// API),
/// and when it may speak in clear. Both the options validator and the listeners use it.
/// </summary>
public static class RelayTls
{
    /// <summary>Where <c>cloud-relay certs init</c> writes by default, under <c>Relay:DataDir</c>.</summary>
    public const string FolderName = "tls";
    public const string CertificateFileName = "relay.crt";
    public const string KeyFileName = "relay.key";
    public const string AuthorityFileName = "ca.crt";
    public const string AuthorityKeyFileName = "ca.key";

    public static string DefaultFolder(string dataDir) => Path.Combine(dataDir, FolderName);

    /// <summary>
    /// The certificate (and key file, when separate) the relay serves: <c>Relay:Mqtt:TlsCertificate</c>, else the
    /// one <c>cloud-relay certs init</c> left in <c>{DataDir}/tls</c>; null when there is none.
    /// </summary>
    public static (string Certificate, string? Key)? CertificateFiles(RelayOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Mqtt.TlsCertificate is { Length: > 0 } configured)
        {
            return (configured, options.Mqtt.TlsKey is { Length: > 0 } key ? key : null);
        }

        var folder = DefaultFolder(options.DataDir);
        var certificate = Path.Combine(folder, CertificateFileName);
        return File.Exists(certificate) ? (certificate, Path.Combine(folder, KeyFileName)) : null;
    }

    /// <summary>One line when the relay cannot serve TLS as configured; null when it can (or need not).</summary>
    public static string? CertificateProblem(RelayOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (CertificateFiles(options) is not { } files)
        {
            var embedded = string.IsNullOrWhiteSpace(options.Mqtt.Broker);
            return !embedded || options.Mqtt.AllowPlaintext
                ? null
                : $"Relay:Mqtt:TlsCertificate is not set and {Path.Combine(DefaultFolder(options.DataDir), CertificateFileName)} does not exist; "
                  + $"expected the relay's certificate for MQTT over TLS on Relay:Mqtt:TlsPort {options.Mqtt.TlsPort} (make one with `cloud-relay certs init --host <relay name>`), "
                  + "or Relay:Mqtt:AllowPlaintext=true for plain MQTT on loopback";
        }

        if (!File.Exists(files.Certificate))
        {
            return $"Relay:Mqtt:TlsCertificate '{files.Certificate}' does not exist; expected a PEM or PKCS#12 file";
        }

        if (files.Key is { } key && !File.Exists(key))
        {
            return $"Relay:Mqtt:TlsKey '{key}' does not exist; expected the PEM private key of {files.Certificate}";
        }

        try
        {
            using var certificate = Load(files.Certificate, files.Key);
            return certificate.HasPrivateKey
                ? null
                : $"Relay:Mqtt:TlsCertificate '{files.Certificate}' has no private key; expected its key in Relay:Mqtt:TlsKey";
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            return $"Relay:Mqtt:TlsCertificate '{files.Certificate}' cannot be loaded ({ex.Message.TrimEnd('.')}); expected a PEM certificate with its key in Relay:Mqtt:TlsKey, or a PKCS#12 file";
        }
    }

    /// <summary>The relay's certificate with its key, ready for SslStream and Kestrel; null when there is none.</summary>
    public static X509Certificate2? LoadCertificate(RelayOptions options) =>
        CertificateFiles(options) is { } files ? Load(files.Certificate, files.Key) : null;

    /// <summary>Where the plain MQTT listener binds: <c>Relay:Mqtt:BindAddress</c>, loopback by default.</summary>
    public static IPAddress PlaintextAddress(RelayMqttOptions mqtt)
    {
        ArgumentNullException.ThrowIfNull(mqtt);
        return mqtt.BindAddress is { Length: > 0 } bind ? IPAddress.Parse(bind) : IPAddress.Loopback;
    }

    /// <summary>
    /// The IPv4 and IPv6 addresses a listener on <paramref name="address"/> binds (<see cref="IPAddress.None"/>: not that family),
    /// so loopback stays loopback in both families and a specific address does not open the other family's wildcard.
    /// </summary>
    public static (IPAddress V4, IPAddress V6) ListenerAddresses(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
        {
            return (IPAddress.Any, IPAddress.IPv6Any);
        }

        if (IPAddress.IsLoopback(address))
        {
            return (IPAddress.Loopback, IPAddress.IPv6Loopback);
        }

        return address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? (IPAddress.None, address) : (address, IPAddress.None);
    }

    /// <summary>
    /// The REST API's address: https:// needs the relay's certificate; http:// stays on loopback unless
    /// <c>Relay:Mqtt:AllowPlaintext</c>, since the API key and claimed device tokens cross it.
    /// </summary>
    public static string? HttpUrlProblem(string url, RelayOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        // Uri refuses Kestrel's wildcards; they mean every interface.
        var normalised = url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal);
        if (!Uri.TryCreate(normalised, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            return $"--http-url '{url}' is invalid; expected https://host:port or a loopback http://127.0.0.1:port";
        }

        if (uri.Scheme == "https")
        {
            return CertificateFiles(options) is null
                ? $"--http-url '{url}' is https; expected the relay's certificate in Relay:Mqtt:TlsCertificate (make one with `cloud-relay certs init`)"
                : null;
        }

        var loopback = uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
        return loopback || options.Mqtt.AllowPlaintext
            ? null
            : $"--http-url '{url}' would send the API key and device tokens in clear over the network; expected https://{uri.Host}:{uri.Port} "
              + "(served with the relay's certificate), a loopback address such as http://127.0.0.1:8080, or Relay:Mqtt:AllowPlaintext=true";
    }

    internal static X509Certificate2 Load(string path, string? keyPath)
    {
        if (path.EndsWith(".pfx", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".p12", StringComparison.OrdinalIgnoreCase))
        {
            return X509CertificateLoader.LoadPkcs12FromFile(path, password: null);
        }

        // SslStream on Linux wants a key it can use from a PKCS#12 round trip.
        using var pem = X509Certificate2.CreateFromPemFile(path, keyPath);
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), password: null);
    }
}
