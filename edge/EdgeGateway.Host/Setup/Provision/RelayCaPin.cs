using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EdgeGateway.Host.Setup.Provision;

/// <summary>The relay CA's SHA-256 fingerprint, pinned by the installer: one spelling (AB:CD:…, upper case) for comparing.</summary>
internal static class RelayCaPin
{
    public const string Missing =
        "expected the relay CA's SHA-256 fingerprint as the relay operator gave it (AB:CD:… or 64 hex digits), because a claim over https cannot vouch for its own CA";

    /// <summary>Null and the canonical form when the text is a SHA-256 fingerprint, else what was expected.</summary>
    public static string? Parse(string? text, out string? fingerprint)
    {
        fingerprint = null;
        var hex = (text ?? string.Empty).Replace(":", string.Empty, StringComparison.Ordinal).Replace(" ", string.Empty, StringComparison.Ordinal);
        if (hex.Length != 64 || !hex.All(char.IsAsciiHexDigit))
        {
            return "expected a SHA-256 fingerprint: 64 hex digits, colons allowed (AB:CD:…), as the relay operator gave it";
        }

        fingerprint = string.Join(':', Enumerable.Range(0, 32).Select(i => hex.Substring(i * 2, 2).ToUpperInvariant()));
        return null;
    }

    public static string Of(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return string.Join(':', certificate.GetCertHash(HashAlgorithmName.SHA256).Select(b => b.ToString("X2", CultureInfo.InvariantCulture)));
    }
}
