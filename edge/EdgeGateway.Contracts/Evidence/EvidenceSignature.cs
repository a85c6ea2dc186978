using System.Security.Cryptography;

namespace EdgeGateway.Contracts.Evidence;

/// <summary>
/// ECDSA P-256 with SHA-256 over the manifest bytes, the signature DER-encoded as OpenSSL writes and reads it
/// (<c>openssl dgst -sha256 -verify key.pem -signature sig.der manifest.json</c>). A key's id is the first 16 bytes
/// of the SHA-256 of its SubjectPublicKeyInfo, in hex.
/// </summary>
public static class EvidenceSignature
{
    public static byte[] Sign(ECDsa key, ReadOnlySpan<byte> manifest)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.SignData(manifest, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
    }

    public static string KeyId(ECDsa key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Convert.ToHexStringLower(SHA256.HashData(key.ExportSubjectPublicKeyInfo()).AsSpan(0, 16));
    }

    /// <summary>Loads a P-256 public key from PEM; one line when it is not one.</summary>
    public static bool TryLoadPublicKey(string? pem, out ECDsa? key, out string? error)
    {
        key = null;
        if (string.IsNullOrWhiteSpace(pem))
        {
            error = "public key is empty; expected a PEM 'BEGIN PUBLIC KEY' block of an EC P-256 key";
            return false;
        }

        var candidate = ECDsa.Create();
        try
        {
            candidate.ImportFromPem(pem);
            if (candidate.KeySize != 256 || candidate.ExportParameters(false).Curve.Oid.Value != ECCurve.NamedCurves.nistP256.Oid.Value)
            {
                candidate.Dispose();
                error = $"public key is EC {candidate.KeySize}-bit on another curve; expected P-256 (prime256v1)";
                return false;
            }

            key = candidate;
            error = null;
            return true;
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            candidate.Dispose();
            error = $"public key is not a PEM EC P-256 key: {ex.Message}";
            return false;
        }
    }

    public static string PublicKeyPem(ECDsa key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.ExportSubjectPublicKeyInfoPem();
    }

    public static bool Verify(ECDsa publicKey, ReadOnlySpan<byte> manifest, ReadOnlySpan<byte> signature)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
        try
        {
            return publicKey.VerifyData(manifest, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    public static string Sha256Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
