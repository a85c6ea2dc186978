using CloudRelay.Storage;
using EdgeGateway.Contracts.Evidence;

namespace CloudRelay.Evidence;

/// <summary>Registers a device's evidence signing key (EC P-256, PEM): by the claim, or by <c>devices add --public-key</c>.</summary>
public sealed class DeviceSigningKeys(IEvidenceStore evidence, TimeProvider time)
{
    /// <summary>The key's id when the PEM is an EC P-256 public key; else null and one line in <paramref name="error"/>.</summary>
    public static string? Check(string? pem, out string? error)
    {
        if (!EvidenceSignature.TryLoadPublicKey(pem, out var key, out error))
        {
            return null;
        }

        using (key)
        {
            return EvidenceSignature.KeyId(key!);
        }
    }

    /// <summary>Stores the key as the device's (replacing an earlier one); returns its id.</summary>
    public async Task<string> RegisterAsync(string site, string device, string pem, CancellationToken cancellationToken)
    {
        var keyId = Check(pem, out var error) ?? throw new ArgumentException(error);
        await evidence.SetDeviceKeyAsync(site, device, keyId, pem.Trim() + "\n", time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken);
        return keyId;
    }
}
