namespace CloudRelay.Database;

/// <summary>
/// Evidence at the relay: each device's signing key (registered by the claim or by <c>devices add --public-key</c>),
/// and per alert the clip that arrived, the signed manifest and the result of checking one against the other.
/// </summary>
public interface IEvidenceStore
{
    /// <summary>
    /// Makes the key the device's current one. A device whose current key is another is changed only with
    /// <paramref name="replace"/>: the old key is then kept, valid until now. True when the key is current afterwards.
    /// </summary>
    Task<bool> AddDeviceKeyAsync(string site, string device, string keyId, string publicKeyPem, long nowMs, bool replace, CancellationToken cancellationToken);

    /// <summary>The device's current key, or null.</summary>
    Task<DeviceKeyRecord?> FindDeviceKeyAsync(string site, string device, CancellationToken cancellationToken);

    /// <summary>The device's key with that id, current or not (its latest period), or null when it was never registered.</summary>
    Task<DeviceKeyRecord?> FindDeviceKeyAsync(string site, string device, string keyId, CancellationToken cancellationToken);

    /// <summary>Records a clip that arrived whole; false when this alert's clip was recorded before.</summary>
    Task<bool> RecordClipAsync(Guid alertId, string site, string device, long bytes, string sha256, long nowMs, CancellationToken cancellationToken);

    /// <summary>Records the alert's signed manifest once; false when it has one already (which is kept as it is).</summary>
    Task<bool> RecordManifestAsync(Guid alertId, string site, string device, byte[] manifest, byte[] signature, string keyId, long nowMs, CancellationToken cancellationToken);

    /// <summary>Records a verdict with the SHA-256 of the snapshot and clip it checked (null when the manifest names none).</summary>
    Task SetVerificationAsync(Guid alertId, bool verified, string note, string? snapshotSha256, string? clipSha256, long nowMs, CancellationToken cancellationToken);

    Task<EvidenceRecord?> FindEvidenceAsync(Guid alertId, CancellationToken cancellationToken);

    /// <summary>Clips still on disk, oldest first.</summary>
    Task<IReadOnlyList<EvidenceRecord>> ListClipsAsync(CancellationToken cancellationToken);

    /// <summary>Notes that retention deleted the clip's file; the manifest and its result stay.</summary>
    Task MarkClipDeletedAsync(Guid alertId, long nowMs, CancellationToken cancellationToken);
}

/// <summary>A device's signing key, valid from <see cref="AddedMs"/> until <see cref="RetiredMs"/> (null while current).</summary>
public sealed record DeviceKeyRecord(string Site, string Device, string KeyId, string PublicKeyPem, long AddedMs, long? RetiredMs = null);

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
    string? VerifyNote,
    long? ManifestMs = null,
    string? VerifiedSnapshotSha256 = null,
    string? VerifiedClipSha256 = null);
