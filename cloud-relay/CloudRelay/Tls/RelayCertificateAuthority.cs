using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CloudRelay.Settings;

namespace CloudRelay.Tls;

/// <summary>What <see cref="RelayCertificateAuthority.Init"/> left in the folder.</summary>
public sealed record RelayCertificateFiles(
    string AuthorityCertificate,
    string AuthorityKey,
    string Certificate,
    string Key,
    string AuthorityFingerprint,
    bool AuthorityCreated,
    bool CertificateCreated,
    IReadOnlyList<string> Names);

/// <summary>
/// A first setup's PKI: a private CA (EC P-256) the boxes pin as <c>Uplink:CaFile</c>, and the relay's
/// server certificate signed by it for the given host names plus localhost and 127.0.0.1. Keys are
/// written mode 600. Existing files are kept unless <c>force</c>, so running it twice changes nothing.
/// </summary>
public static class RelayCertificateAuthority
{
    private static readonly TimeSpan AuthorityLifetime = TimeSpan.FromDays(3650);
    private static readonly TimeSpan CertificateLifetime = TimeSpan.FromDays(825);

    public static RelayCertificateFiles Init(string folder, IReadOnlyList<string> hosts, bool force, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        ArgumentNullException.ThrowIfNull(time);
        foreach (var host in hosts)
        {
            if (!IsHostName(host))
            {
                throw new ArgumentException($"--host '{host}' is invalid; expected a DNS name such as relay.example.com or an IP address");
            }
        }

        Directory.CreateDirectory(folder);
        var caPath = Path.Combine(folder, RelayTls.AuthorityFileName);
        var caKeyPath = Path.Combine(folder, RelayTls.AuthorityKeyFileName);
        var certificatePath = Path.Combine(folder, RelayTls.CertificateFileName);
        var keyPath = Path.Combine(folder, RelayTls.KeyFileName);
        string[] names = [.. hosts.Select(h => h.Trim()).Concat(["localhost", "127.0.0.1", "::1"]).Distinct(StringComparer.OrdinalIgnoreCase)];
        var now = time.GetUtcNow();

        var authorityCreated = force || !File.Exists(caPath) || !File.Exists(caKeyPath);
        using var authority = authorityCreated ? CreateAuthority(now) : X509Certificate2.CreateFromPemFile(caPath, caKeyPath);
        if (authorityCreated)
        {
            WriteKey(caKeyPath, authority.GetECDsaPrivateKey()!);
            WritePublic(caPath, authority.ExportCertificatePem());
        }

        // A new CA invalidates the old server certificate, so it is issued again.
        var certificateCreated = authorityCreated || !File.Exists(certificatePath) || !File.Exists(keyPath);
        if (certificateCreated)
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            using var certificate = CreateServer(authority, key, names, now);
            WriteKey(keyPath, key);
            WritePublic(certificatePath, certificate.ExportCertificatePem());
        }
        else
        {
            using var existing = X509CertificateLoader.LoadCertificateFromFile(certificatePath);
            names = [.. SubjectAlternativeNames(existing)];
        }

        return new RelayCertificateFiles(caPath, caKeyPath, certificatePath, keyPath, Fingerprint(authority), authorityCreated, certificateCreated, names);
    }

    /// <summary>SHA-256 over the DER certificate, as <c>openssl x509 -fingerprint -sha256</c> prints it (AB:CD:…).</summary>
    public static string Fingerprint(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return string.Join(':', certificate.GetCertHash(HashAlgorithmName.SHA256).Select(b => b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture)));
    }

    private static X509Certificate2 CreateAuthority(DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var subject = new X500DistinguishedNameBuilder();
        subject.AddOrganizationName("cloud-relay");
        subject.AddCommonName($"cloud-relay CA {now:yyyy-MM-dd}");
        var request = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        var created = request.CreateSelfSigned(now.AddMinutes(-5), now + AuthorityLifetime);
        return created;
    }

    private static X509Certificate2 CreateServer(X509Certificate2 authority, ECDsa key, string[] names, DateTimeOffset now)
    {
        var subject = new X500DistinguishedNameBuilder();
        subject.AddOrganizationName("cloud-relay");
        subject.AddCommonName(names[0]);
        var request = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1", "Server Authentication")], critical: false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(authority, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        var alternative = new SubjectAlternativeNameBuilder();
        foreach (var name in names)
        {
            if (IPAddress.TryParse(name, out var address))
            {
                alternative.AddIpAddress(address);
            }
            else
            {
                alternative.AddDnsName(name);
            }
        }

        request.CertificateExtensions.Add(alternative.Build());
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        var notAfter = now + CertificateLifetime < authority.NotAfter ? now + CertificateLifetime : new DateTimeOffset(authority.NotAfter.ToUniversalTime());
        return request.Create(authority, now.AddMinutes(-5), notAfter, serial);
    }

    private static IEnumerable<string> SubjectAlternativeNames(X509Certificate2 certificate)
    {
        foreach (var extension in certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>())
        {
            foreach (var name in extension.EnumerateDnsNames())
            {
                yield return name;
            }

            foreach (var address in extension.EnumerateIPAddresses())
            {
                yield return address.ToString();
            }
        }
    }

    private static bool IsHostName(string host) =>
        IPAddress.TryParse(host, out _) || Uri.CheckHostName(host.Trim()) == UriHostNameType.Dns;

    private static void WriteKey(string path, ECDsa key) => RelaySecrets.WritePrivate(path, key.ExportPkcs8PrivateKeyPem());

    private static void WritePublic(string path, string pem)
    {
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        File.WriteAllText(temporary, pem);
        File.Move(temporary, path, overwrite: true);
    }
}
