using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using EdgeGateway.DurableFiles;

namespace EdgeGateway.Host.Diagnostics;

/// <summary>
/// The page's own self-signed certificate (EC P-256). <c>edgegw provision</c> makes it beside the config;
/// a box whose config was written by hand gets it at first start in <c>{Storage:DataDir}/page-tls/</c>.
/// The technician checks the SHA-256 fingerprint the first time the browser asks. The key is mode 600.
/// </summary>
internal static class PageCertificate
{
    public const string FolderName = "page-tls";
    public const string CertificateFileName = "page.crt";
    public const string KeyFileName = "page.key";

    public sealed record Files(string Certificate, string? Key);

    /// <summary>Where the page's certificate lives when <c>Diagnostics:CertificatePath</c> is not set.</summary>
    public static Files InDataDir(string dataDir) =>
        new(Path.Combine(dataDir, FolderName, CertificateFileName), Path.Combine(dataDir, FolderName, KeyFileName));

    /// <summary>Beside the config file, where provision puts it.</summary>
    public static Files BesideConfig(string configPath)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(configPath))!;
        return new Files(Path.Combine(directory, CertificateFileName), Path.Combine(directory, KeyFileName));
    }

    /// <summary>Makes the certificate and key unless both exist; returns true when it made them.</summary>
    public static bool Ensure(Files files, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(time);
        var keyPath = files.Key ?? throw new ArgumentException("the page's own certificate needs a key file", nameof(files));
        if (File.Exists(files.Certificate) && File.Exists(keyPath))
        {
            return false;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(files.Certificate))!);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var now = time.GetUtcNow();
        var host = Environment.MachineName;
        var subject = new X500DistinguishedNameBuilder();
        subject.AddOrganizationName("edgegw");
        subject.AddCommonName($"edgegw diagnostics {host}");
        var request = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1", "Server Authentication")], critical: false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        if (Uri.CheckHostName(host) == UriHostNameType.Dns && !host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            names.AddDnsName(host);
        }

        foreach (var address in LocalAddresses())
        {
            names.AddIpAddress(address);
        }

        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(10));
        DurableFile.Write(keyPath, Encoding.ASCII.GetBytes(key.ExportPkcs8PrivateKeyPem()), DurableFile.Private);
        DurableFile.Write(files.Certificate, Encoding.ASCII.GetBytes(certificate.ExportCertificatePem()));
        return true;
    }

    /// <summary>The certificate with its key, as Kestrel wants it.</summary>
    public static X509Certificate2 Load(string certificatePath, string? keyPath)
    {
        using var pem = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        // Kestrel wants a certificate whose key is not ephemeral; round-trip through PKCS#12.
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), password: null);
    }

    /// <summary>SHA-256 of the certificate as browsers and <c>openssl x509 -fingerprint -sha256</c> show it (AB:CD:…).</summary>
    public static string Fingerprint(string certificatePath)
    {
        using var certificate = X509CertificateLoader.LoadCertificateFromFile(certificatePath);
        return string.Join(':', certificate.GetCertHash(HashAlgorithmName.SHA256).Select(b => b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture)));
    }

    /// <summary>Loopback and this box's current addresses, so the browser sees the name it typed.</summary>
    private static IEnumerable<IPAddress> LocalAddresses()
    {
        yield return IPAddress.Loopback;
        yield return IPAddress.IPv6Loopback;
        IEnumerable<IPAddress> found;
        try
        {
            found = [.. NetworkInterface.GetAllNetworkInterfaces()
                .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
                .SelectMany(n => n.GetIPProperties().UnicastAddresses)
                .Select(a => a.Address)
                .Where(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))];
        }
        catch (NetworkInformationException)
        {
            found = [];
        }

        foreach (var address in found)
        {
            yield return address;
        }
    }
}
