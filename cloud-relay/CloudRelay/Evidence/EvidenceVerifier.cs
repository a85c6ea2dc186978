using CloudRelay.Ingest;
using CloudRelay.Storage;
using EdgeGateway.Contracts.Evidence;
using Microsoft.Extensions.Logging;

namespace CloudRelay.Evidence;

/// <summary>
/// Checks an alert's signed manifest against its device's registered key and against the snapshot and clip the relay
/// holds, and records the result. Runs when the manifest arrives and again when a clip it names completes.
/// </summary>
public sealed partial class EvidenceVerifier(IEvidenceStore evidence, string dataDir, TimeProvider time, ILogger<EvidenceVerifier> logger)
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

        await evidence.SetVerificationAsync(alertId, result.Verified, result.Note, time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken);
        if (result.Verified)
        {
            Log.Verified(logger, record.Site, record.Device, alertId);
        }
        else
        {
            Log.Mismatch(logger, record.Site, record.Device, alertId, result.Note);
        }

        return result;
    }

    private async Task<(bool Verified, string Note)?> CheckAsync(EvidenceRecord record, CancellationToken cancellationToken)
    {
        var key = await evidence.FindDeviceKeyAsync(record.Site, record.Device, cancellationToken);
        if (key is null)
        {
            return (false, $"device {record.Site}/{record.Device} has no registered signing key");
        }

        if (!string.Equals(record.KeyId, key.KeyId, StringComparison.Ordinal))
        {
            return (false, $"manifest is signed by key {record.KeyId}; the device's registered key is {key.KeyId}");
        }

        if (!EvidenceSignature.TryLoadPublicKey(key.PublicKeyPem, out var publicKey, out var keyError))
        {
            return (false, $"the device's registered key cannot be read: {keyError}");
        }

        using (publicKey)
        {
            if (!EvidenceSignature.Verify(publicKey!, record.Manifest, record.Signature))
            {
                return (false, $"signature does not match the manifest under key {key.KeyId}");
            }
        }

        if (!EvidenceManifest.TryParse(record.Manifest, out var manifest, out var parseError))
        {
            return (false, parseError!);
        }

        if (manifest!.AlertId != record.AlertId || manifest.Site != record.Site || manifest.Device != record.Device)
        {
            return (false, $"manifest names alert {manifest.AlertId:D} of {manifest.Site}/{manifest.Device}; it arrived for alert {record.AlertId:D} of {record.Site}/{record.Device}");
        }

        if (manifest.ClipSha256 is { } clipSha)
        {
            if (record.ClipSha256 is null)
            {
                return null;
            }

            if (!string.Equals(clipSha, record.ClipSha256, StringComparison.OrdinalIgnoreCase))
            {
                return (false, $"clip SHA-256 is {record.ClipSha256}; the signed manifest says {clipSha}");
            }
        }

        if (manifest.SnapshotSha256 is { } snapshotSha)
        {
            var path = AlertIngestor.SnapshotPath(dataDir, record.Site, record.Device, record.AlertId);
            if (path is null || !File.Exists(path))
            {
                return (false, "the snapshot the manifest names has not arrived");
            }

            var actual = EvidenceSignature.Sha256Hex(await File.ReadAllBytesAsync(path, cancellationToken));
            if (!string.Equals(snapshotSha, actual, StringComparison.OrdinalIgnoreCase))
            {
                return (false, $"snapshot SHA-256 is {actual}; the signed manifest says {snapshotSha}");
            }
        }

        return (true, $"signature by key {key.KeyId} and the SHA-256 of snapshot and clip match");
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = RelayLogEvents.EvidenceVerified, Level = LogLevel.Information, Message = "Evidence of alert {AlertId} from {Site}/{Device} verified")]
        public static partial void Verified(ILogger logger, string site, string device, Guid alertId);

        [LoggerMessage(EventId = RelayLogEvents.EvidenceMismatch, Level = LogLevel.Warning, Message = "Evidence of alert {AlertId} from {Site}/{Device} FAILED verification: {Note}")]
        public static partial void Mismatch(ILogger logger, string site, string device, Guid alertId, string note);
    }
}
