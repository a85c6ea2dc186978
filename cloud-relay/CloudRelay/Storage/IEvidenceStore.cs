namespace CloudRelay.Storage;

/// <summary>
/// Evidence at the relay: each device's signing key (registered by the claim or by <c>devices add --public-key</c>),
/// and per alert the clip that arrived, the signed manifest and the result of checking one against the other.
/// </summary>
public interface IEvidenceStore
{
    Task SetDeviceKeyAsync(string site, string device, string keyId, string publicKeyPem, long nowMs, CancellationToken cancellationToken);

    Task<DeviceKeyRecord?> FindDeviceKeyAsync(string site, string device, CancellationToken cancellationToken);

    /// <summary>Records a clip that arrived whole; false when this alert's clip was recorded before.</summary>
    Task<bool> RecordClipAsync(Guid alertId, string site, string device, long bytes, string sha256, long nowMs, CancellationToken cancellationToken);

    Task RecordManifestAsync(Guid alertId, string site, string device, byte[] manifest, byte[] signature, string keyId, long nowMs, CancellationToken cancellationToken);

    Task SetVerificationAsync(Guid alertId, bool verified, string note, long nowMs, CancellationToken cancellationToken);

    Task<EvidenceRecord?> FindEvidenceAsync(Guid alertId, CancellationToken cancellationToken);

    /// <summary>Clips still on disk, oldest first.</summary>
    Task<IReadOnlyList<EvidenceRecord>> ListClipsAsync(CancellationToken cancellationToken);

    /// <summary>Notes that retention deleted the clip's file; the manifest and its result stay.</summary>
    Task MarkClipDeletedAsync(Guid alertId, long nowMs, CancellationToken cancellationToken);
}

public sealed record DeviceKeyRecord(string Site, string Device, string KeyId, string PublicKeyPem, long AddedMs);

/// <summary>One alert's evidence; <see cref="Verified"/> is null until both the manifest and what it names are checked.</summary>
public sealed record EvidenceRecord(
    Guid AlertId,
    string Site,
    string Device,
    long? ClipBytes,
    string? ClipSha256,
    long? ClipMs,
    long? ClipDeletedMs,
    byte[]? Manifest,
    byte[]? Signature,
    string? KeyId,
    bool? Verified,
    string? VerifyNote);
