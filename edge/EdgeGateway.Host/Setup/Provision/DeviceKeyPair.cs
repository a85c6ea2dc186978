using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using EdgeGateway.DurableFiles;

namespace EdgeGateway.Host.Setup.Provision;

/// <summary>
/// The box's own key for mutual TLS: an EC P-256 key that never leaves the box, and a CSR for the
/// operator's CA to sign. The signed certificate goes where <c>Uplink:ClientCertificate</c> points.
/// </summary>
internal static class DeviceKeyPair
{
    public sealed record Files(string KeyPath, string CsrPath, string CertificatePath);

    public static Files PathsBeside(string configPath)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(configPath))!;
        return new Files(Path.Combine(directory, "device.key"), Path.Combine(directory, "device.csr"), Path.Combine(directory, "device.crt"));
    }

    /// <summary>Writes the key (mode 600) and the CSR; an existing key is kept unless <paramref name="replace"/>.</summary>
    public static string Generate(Files files, string deviceId, string siteId, bool replace)
    {
        ArgumentNullException.ThrowIfNull(files);
        using var key = File.Exists(files.KeyPath) && !replace ? LoadKey(files.KeyPath) : ECDsa.Create(ECCurve.NamedCurves.nistP256);
        if (!File.Exists(files.KeyPath) || replace)
        {
            DurableFile.Write(files.KeyPath, Encoding.ASCII.GetBytes(key.ExportPkcs8PrivateKeyPem()), DurableFile.Private);
        }

        var subject = new X500DistinguishedNameBuilder();
        subject.AddOrganizationName(siteId);
        subject.AddCommonName(deviceId);
        var request = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2", "Client Authentication")], critical: false));
        var csr = request.CreateSigningRequestPem();
        DurableFile.Write(files.CsrPath, Encoding.ASCII.GetBytes(csr));
        return csr;
    }

    private static ECDsa LoadKey(string path)
    {
        var key = ECDsa.Create();
        key.ImportFromPem(File.ReadAllText(path));
        return key;
    }
}
