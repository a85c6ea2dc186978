using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace EdgeGateway.Host.Diagnostics.Commissioning;

/// <summary>A report's signature: base64 ECDSA P-256 over SHA-256 (IEEE P1363), the signer's public key and its fingerprint.</summary>
internal sealed record ReportSignature(string Signature, string PublicKey, string Fingerprint);

/// <summary>
/// Signs reports with the box's own key (the EC P-256 <c>device.key</c> that <c>provision --generate-key</c> made,
/// or <c>Uplink:ClientKeyFile</c>). The fingerprint is SHA-256 over the public key (SubjectPublicKeyInfo), AB:CD:… .
/// </summary>
internal sealed class ReportSigner(string keyPath)
{
    public string KeyPath { get; } = keyPath;

    /// <summary>The box's key, if it has one: <c>Uplink:ClientKeyFile</c>, else device.key beside the config file.</summary>
    public static ReportSigner? Find(string? clientKeyFile, string? configPath)
    {
        if (clientKeyFile is { Length: > 0 } configured && File.Exists(configured))
        {
            return new ReportSigner(configured);
        }

        return configPath is { Length: > 0 } && Setup.Provision.DeviceKeyPair.PathsBeside(configPath).KeyPath is var beside && File.Exists(beside)
            ? new ReportSigner(beside)
            : null;
    }

    /// <summary>The signature, or null when the key cannot be read as an EC key (the report then says it is unsigned).</summary>
    public ReportSignature? Sign(byte[] content)
    {
        using var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(File.ReadAllText(KeyPath));
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException or IOException or UnauthorizedAccessException)
        {
            return null;
        }

        var signature = key.SignData(content, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        var publicKey = key.ExportSubjectPublicKeyInfo();
        return new ReportSignature(Convert.ToBase64String(signature), Convert.ToBase64String(publicKey), Fingerprint(publicKey));
    }

    /// <summary>
    /// True when the file's signed part matches its signature under <paramref name="registeredKey"/> (the box's
    /// public key as its owner registered it, SubjectPublicKeyInfo). The key written in the file is only a label:
    /// anyone can sign a forged report with a key of their own and embed that one.
    /// </summary>
    public static bool Verify(string html, byte[] registeredKey)
    {
        ArgumentNullException.ThrowIfNull(html);
        ArgumentNullException.ThrowIfNull(registeredKey);
        var begin = html.IndexOf(CommissioningReport.SignedBegin, StringComparison.Ordinal);
        var end = html.IndexOf(CommissioningReport.SignedEnd, StringComparison.Ordinal);
        var signature = Attribute(html, "data-signature");
        if (begin < 0 || end < begin || signature is null || Attribute(html, "data-fingerprint") != Fingerprint(registeredKey))
        {
            return false;
        }

        var content = html[(begin + CommissioningReport.SignedBegin.Length + 1)..end];
        try
        {
            using var key = ECDsa.Create();
            key.ImportSubjectPublicKeyInfo(registeredKey, out _);
            return key.VerifyData(Encoding.UTF8.GetBytes(content), Convert.FromBase64String(signature), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }
        catch (Exception ex) when (ex is CryptographicException or FormatException)
        {
            return false;
        }
    }

    /// <summary>
    /// The public key (SubjectPublicKeyInfo) in a PEM file: a public key, the box's certificate (<c>device.crt</c>)
    /// or its private key; null with a one-line reason when it holds no EC key.
    /// </summary>
    public static byte[]? ReadPublicKey(string path, out string? problem)
    {
        problem = null;
        string pem;
        try
        {
            pem = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            problem = $"cannot read {path}: {ex.Message}";
            return null;
        }

        try
        {
            if (pem.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal))
            {
                using var certificate = X509Certificate2.CreateFromPem(pem);
                using var certificateKey = certificate.GetECDsaPublicKey();
                return certificateKey?.ExportSubjectPublicKeyInfo() ?? throw new CryptographicException("not an EC certificate");
            }

            using var key = ECDsa.Create();
            key.ImportFromPem(pem);
            return key.ExportSubjectPublicKeyInfo();
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            problem = $"{path} holds no EC P-256 public key, certificate or private key in PEM";
            return null;
        }
    }

    public static string Fingerprint(byte[] subjectPublicKeyInfo) =>
        string.Join(':', SHA256.HashData(subjectPublicKeyInfo).Select(b => b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture)));

    private static string? Attribute(string html, string name)
    {
        var start = html.IndexOf($"{name}=\"", StringComparison.Ordinal);
        if (start < 0)
        {
            return null;
        }

        start += name.Length + 2;
        var stop = html.IndexOf('"', start);
        return stop < 0 ? null : html[start..stop];
    }
}
