using CloudRelay.Ingest;
using CloudRelay.Database;
using EdgeGateway.Contracts.Evidence;
using Microsoft.Extensions.Logging;

namespace CloudRelay.Evidence;

/// <summary>
/// Checks an alert's signed manifest against the device key that signed it, against the stored alert (kind and raise
/// time) and against the snapshot and clip the relay holds, and records the result with the SHA-256 of what it
/// checked. Runs when the manifest arrives and again when a clip it names completes.
/// </summary>
public sealed partial class EvidenceVerifier(
    IEvidenceStore evidence, IRelayStore store, string dataDir, TimeProvider time, ILogger<EvidenceVerifier> logger)
{
    /// <summary>The result, or null while the clip the manifest names has not arrived yet.</summary>
    public async Task<(bool Verified, string Note)?> VerifyAsync(Guid alertId, CancellationToken cancellationToken)
    {
        var record = await evidence.FindEvidenceAsync(alertId, cancellationToken);
        if (record?.Manifest is null || record.Signature is null)
        {
            return null;
        }

        var outcome = await CheckAsync(record, cancellationToken);
        if (outcome is not { } result)
        {
            return null;
        }

        await evidence.SetVerificationAsync(alertId, result.Verified, result.Note, result.SnapshotSha256, result.ClipSha256,
            time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken);
        if (result.Verified)
        {
            Log.Verified(logger, record.Site, record.Device, alertId);
        }
        else
        {
            Log.Mismatch(logger, record.Site, record.Device, alertId, result.Note);
        }

        return (result.Verified, result.Note);
    }

    /// <summary>
    /// The verdict as it stands when shown: a "verified" holds only while the snapshot file still has the SHA-256 the
    /// verdict checked and the clip recorded is the one it checked; otherwise false with the reason.
    /// </summary>
    public async Task<(bool? Verified, string? Note)> CurrentAsync(EvidenceRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.Verified != true)
        {
            return (record.Verified, record.VerifyNote);
        }

        if (record.VerifiedClipSha256 is { } clip && !string.Equals(clip, record.ClipSha256, StringComparison.OrdinalIgnoreCase))
        {
            return (false, $"the clip held now (SHA-256 {record.ClipSha256}) is not the one verified ({clip})");
        }

        if (record.VerifiedSnapshotSha256 is { } snapshot)
        {
            var held = await SnapshotSha256Async(record, cancellationToken);
            if (!string.Equals(snapshot, held, StringComparison.OrdinalIgnoreCase))
            {
                return (false, held is null ? "the verified snapshot is no longer held" : $"the snapshot held now (SHA-256 {held}) is not the one verified ({snapshot})");
            }
        }

        return (true, record.VerifyNote);
    }

    private async Task<Verdict?> CheckAsync(EvidenceRecord record, CancellationToken cancellationToken)
    {
        // The key named by the manifest's key id, current or retired: a rotation leaves older manifests verifiable.
        var key = record.KeyId is null ? null : await evidence.FindDeviceKeyAsync(record.Site, record.Device, record.KeyId, cancellationToken);
        if (key is null)
        {
            var current = await evidence.FindDeviceKeyAsync(record.Site, record.Device, cancellationToken);
            return Failed(current is null
                ? $"device {record.Site}/{record.Device} has no registered signing key"
                : $"manifest is signed by key {record.KeyId}; the device's registered key is {current.KeyId}");
        }

        // A retired key signs nothing new: a manifest that arrived after its rotation is not the device's.
        if (key.RetiredMs is { } retired && record.ManifestMs is { } arrived && arrived >= retired)
        {
            return Failed($"manifest is signed by key {key.KeyId}, retired at {Iso(retired)}; it arrived at {Iso(arrived)}");
        }

        if (!EvidenceSignature.TryLoadPublicKey(key.PublicKeyPem, out var publicKey, out var keyError))
        {
            return Failed($"the device's registered key cannot be read: {keyError}");
        }

        using (publicKey)
        {
            if (!EvidenceSignature.Verify(publicKey!, record.Manifest, record.Signature))
            {
                return Failed($"signature does not match the manifest under key {key.KeyId}");
            }
        }

        if (!EvidenceManifest.TryParse(record.Manifest, out var manifest, out var parseError))
        {
            return Failed(parseError!);
        }

        if (manifest!.AlertId != record.AlertId || manifest.Site != record.Site || manifest.Device != record.Device)
        {
            return Failed($"manifest names alert {manifest.AlertId:D} of {manifest.Site}/{manifest.Device}; it arrived for alert {record.AlertId:D} of {record.Site}/{record.Device}");
        }

        // A valid signature over another alert's facts must not vouch for this one.
        var alert = (await store.FindAlertAsync(record.AlertId, cancellationToken))?.Alert;
        if (alert is null)
        {
            return Failed($"alert {record.AlertId:D} is not stored at the relay");
        }

        if (!string.Equals(manifest.Kind, alert.Kind, StringComparison.Ordinal) || manifest.RaisedMs != alert.TimestampMs)
        {
            return Failed($"manifest says kind '{manifest.Kind}' raised at {manifest.RaisedMs} ms; the stored alert is kind '{alert.Kind}' raised at {alert.TimestampMs} ms");
        }

        if (manifest.ClipSha256 is { } clipSha)
        {
            if (record.ClipSha256 is null)
            {
                return null;
            }

            if (!string.Equals(clipSha, record.ClipSha256, StringComparison.OrdinalIgnoreCase))
            {
                return Failed($"clip SHA-256 is {record.ClipSha256}; the signed manifest says {clipSha}");
            }
        }

        string? snapshotChecked = null;
        if (manifest.SnapshotSha256 is { } snapshotSha)
        {
            snapshotChecked = await SnapshotSha256Async(record, cancellationToken);
            if (snapshotChecked is null)
            {
                return Failed("the snapshot the manifest names has not arrived");
            }

            if (!string.Equals(snapshotSha, snapshotChecked, StringComparison.OrdinalIgnoreCase))
            {
                return Failed($"snapshot SHA-256 is {snapshotChecked}; the signed manifest says {snapshotSha}");
            }
        }

        return new Verdict(true, $"signature by key {key.KeyId} and the SHA-256 of snapshot and clip match", snapshotChecked, manifest.ClipSha256 is null ? null : record.ClipSha256);
    }

    private async Task<string?> SnapshotSha256Async(EvidenceRecord record, CancellationToken cancellationToken)
    {
        var path = DeviceMessageIngestor.SnapshotPath(dataDir, record.Site, record.Device, record.AlertId);
        return path is null || !File.Exists(path) ? null : EvidenceSignature.Sha256Hex(await File.ReadAllBytesAsync(path, cancellationToken));
    }

    private static Verdict Failed(string note) => new(false, note, null, null);

    private static string Iso(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture);

    private readonly record struct Verdict(bool Verified, string Note, string? SnapshotSha256, string? ClipSha256);

    private static partial class Log
    {
        [LoggerMessage(EventId = RelayLogEvents.EvidenceVerified, Level = LogLevel.Information, Message = "Evidence of alert {AlertId} from {Site}/{Device} verified")]
        public static partial void Verified(ILogger logger, string site, string device, Guid alertId);

        [LoggerMessage(EventId = RelayLogEvents.EvidenceMismatch, Level = LogLevel.Warning, Message = "Evidence of alert {AlertId} from {Site}/{Device} FAILED verification: {Note}")]
        public static partial void Mismatch(ILogger logger, string site, string device, Guid alertId, string note);
    }
}
