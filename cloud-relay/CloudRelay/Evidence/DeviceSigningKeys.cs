using CloudRelay.Devices;
using CloudRelay.Database;
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

    /// <summary>
    /// Stores the key as the device's when it has none (or has this one); returns its id. A device with another key is
    /// refused with <see cref="DeviceTakenException"/>: a claim never replaces a registered key.
    /// </summary>
    public Task<string> RegisterAsync(string site, string device, string pem, CancellationToken cancellationToken) =>
        AddAsync(site, device, pem, replace: false, cancellationToken);

    /// <summary>An admin's key rotation: the key becomes current, the earlier one is kept for the manifests it signed.</summary>
    public Task<string> RotateAsync(string site, string device, string pem, CancellationToken cancellationToken) =>
        AddAsync(site, device, pem, replace: true, cancellationToken);

    /// <summary>The one-line refusal when the device has a key other than <paramref name="pem"/>'s; null when it has none or this one.</summary>
    public async Task<string?> ConflictAsync(string site, string device, string pem, CancellationToken cancellationToken)
    {
        var keyId = Check(pem, out var error) ?? throw new ArgumentException(error);
        return await evidence.FindDeviceKeyAsync(site, device, cancellationToken) is { } current && current.KeyId != keyId
            ? Taken(site, device, current.KeyId)
            : null;
    }

    private async Task<string> AddAsync(string site, string device, string pem, bool replace, CancellationToken cancellationToken)
    {
        var keyId = Check(pem, out var error) ?? throw new ArgumentException(error);
        if (!await evidence.AddDeviceKeyAsync(site, device, keyId, pem.Trim() + "\n", time.GetUtcNow().ToUnixTimeMilliseconds(), replace, cancellationToken))
        {
            var current = await evidence.FindDeviceKeyAsync(site, device, cancellationToken);
            throw new DeviceTakenException(Taken(site, device, current?.KeyId ?? "(another)"));
        }

        return keyId;
    }

    private static string Taken(string site, string device, string currentKeyId) =>
        $"device {site}/{device} already has signing key {currentKeyId}; expected the same key (a claim never replaces it; an admin rotates it with 'cloud-relay devices add --renew --public-key')";
}
