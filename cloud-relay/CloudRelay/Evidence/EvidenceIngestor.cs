using System.Buffers;
using System.Security.Cryptography;
using CloudRelay.Ingest;
using CloudRelay.Database;
using EdgeGateway.Contracts;
using EdgeGateway.Contracts.Evidence;
using Microsoft.Extensions.Logging;

namespace CloudRelay.Evidence;

/// <summary>
/// Takes clip pieces and signed manifests off the broker. Each piece is written at its offset into a <c>.part</c>
/// file (a piece sent again after a reconnect overwrites the same bytes); when the last byte is in and the whole
/// file's SHA-256 matches the one every piece carries, the file becomes the clip, recorded once. Pieces of a clip
/// already whole are acknowledged and ignored, so a clip arrives whole exactly once.
/// </summary>
public sealed partial class EvidenceIngestor(
    DeviceMessageIngestor alerts,
    IRelayStore store,
    IEvidenceStore evidence,
    EvidenceVerifier verifier,
    ClipFiles clips,
    ClipLedger ledger,
    EvidenceRetention retention,
    TimeProvider time,
    ILogger<EvidenceIngestor> logger)
{
    public const string ClipGap = "clip_gap";
    public const string ClipChecksum = "clip_checksum";

    /// <summary>A second, different manifest for an alert that has one: refused, the first kept.</summary>
    public const string ManifestExists = "manifest_exists";

    /// <summary>A manifest for an alert the relay has not stored.</summary>
    public const string ManifestUnknownAlert = "manifest_unknown_alert";

    /// <summary>A piece for an alert the relay has not stored.</summary>
    public const string ClipUnknownAlert = "clip_unknown_alert";

    /// <summary>A piece for a stored alert whose <c>clip</c> field names no clip.</summary>
    public const string ClipNotNamed = "clip_not_named";

    /// <summary>A piece of a clip the relay had and retention deleted: it is never taken again.</summary>
    public const string ClipDeleted = "clip_deleted";

    /// <summary>A piece that would pass the device's or the relay's clip budget.</summary>
    public const string ClipBudget = "clip_budget";

    /// <summary>The data disk is below <c>Relay:Evidence:ReserveMB</c>: evidence waits, alerts go on.</summary>
    public const string StorageFull = "storage_full";

    public async Task<IngestResult> HandleClipAsync(EdgeTopic topic, ReadOnlySequence<byte> payload, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(topic.Rest, out var alertId))
        {
            return alerts.Reject(topic, RejectReasons.BadTopic, $"clip on '{topic.Rest}'; expected clip/{{alert id}}");
        }

        if (!ClipChunk.TryDecode(payload.IsSingleSegment ? payload.FirstSpan : payload.ToArray(), out var chunk, out var error))
        {
            return alerts.Reject(topic, RejectReasons.Malformed, error!);
        }

        // Only the clip a stored alert of this device names: any other id would be disk for nobody's evidence.
        if (await store.FindAlertAsync(alertId, cancellationToken) is not { } owner)
        {
            return alerts.Reject(topic, ClipUnknownAlert, $"clip for alert {alertId:D}, which the relay has not stored; send the alert first");
        }

        if (owner.Alert.SiteId != topic.Site || owner.Alert.DeviceId != topic.Device)
        {
            return alerts.Reject(topic, RejectReasons.IdentityMismatch,
                $"clip for alert {alertId:D} of '{owner.Alert.SiteId}/{owner.Alert.DeviceId}' was published under '{topic.Site}/{topic.Device}'");
        }

        if (owner.Alert.ClipRef != EdgeTopic.ClipReference(alertId))
        {
            return alerts.Reject(topic, ClipNotNamed,
                $"clip for alert {alertId:D}, whose clip field is '{owner.Alert.ClipRef}'; expected '{EdgeTopic.ClipReference(alertId)}'");
        }

        await ledger.EnsureLoadedAsync(cancellationToken);
        var path = clips.FinalPath(topic.Site, topic.Device, alertId)!;
        var gate = ledger.LockFor(alertId);
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (File.Exists(path))
            {
                return new IngestResult(IngestOutcome.Duplicate);
            }

            var part = ClipFiles.PartPath(path);
            var held = File.Exists(part) ? new FileInfo(part).Length : -1;
            if (held < 0 && await StartRefusalAsync(topic, alertId, chunk!, cancellationToken) is { } refused)
            {
                return refused;
            }

            // Checked before any file is opened, so a refused piece leaves nothing behind.
            if (chunk!.Offset > Math.Max(held, 0))
            {
                return alerts.Reject(topic, ClipGap, $"clip {alertId:D} piece starts at byte {chunk.Offset} but the relay holds {Math.Max(held, 0)}; send the clip again from byte 0");
            }

            var end = chunk.Offset + chunk.Data.Length;
            var growth = Math.Max(0, end - Math.Max(held, 0));
            if (ledger.ReserveRefusal(growth, "clips") is { } full)
            {
                return alerts.Reject(topic, StorageFull, full);
            }

            if (ledger.TryGrow(topic.Site, topic.Device, alertId, Math.Max(held, end)) is { } over)
            {
                return alerts.Reject(topic, ClipBudget, $"clip {alertId:D}: {over}");
            }

            try
            {
                return await WritePieceAsync(topic, alertId, path, part, chunk, cancellationToken);
            }
            catch (Exception) when (!File.Exists(part))
            {
                // The file never opened (or went): what was set aside for it goes back.
                ledger.PartGone(alertId);
                throw;
            }
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// Before a clip's first byte is kept: a clip retention deleted is never taken again, and the whole announced
    /// length must fit the budgets, after the device's own oldest clips (and past <c>MaxMB</c> the relay's) make room
    /// as retention would.
    /// </summary>
    private async Task<IngestResult?> StartRefusalAsync(EdgeTopic topic, Guid alertId, ClipChunk chunk, CancellationToken cancellationToken)
    {
        if (await evidence.FindEvidenceAsync(alertId, cancellationToken) is { ClipMs: not null } had)
        {
            return alerts.Reject(topic, ClipDeleted, $"clip {alertId:D} arrived whole before and was deleted {(had.ClipDeletedMs is { } ms ? $"at {DateTimeOffset.FromUnixTimeMilliseconds(ms):O}" : "since")}; it is not taken again");
        }

        if (chunk.Total > ledger.DeviceBudgetBytes || chunk.Total > ledger.RelayBudgetBytes)
        {
            return alerts.Reject(topic, ClipBudget,
                $"clip {alertId:D} announces {chunk.Total} bytes; expected at most {Math.Min(ledger.DeviceBudgetBytes, ledger.RelayBudgetBytes)} (Relay:Evidence:MaxMBPerDevice, Relay:Evidence:MaxMB)");
        }

        if (ledger.DeviceBytes(topic.Site, topic.Device) + chunk.Total > ledger.DeviceBudgetBytes || ledger.TotalBytes + chunk.Total > ledger.RelayBudgetBytes)
        {
            await retention.MakeRoomAsync(topic.Site, topic.Device, chunk.Total, cancellationToken);
            if (ledger.DeviceBytes(topic.Site, topic.Device) + chunk.Total > ledger.DeviceBudgetBytes)
            {
                return alerts.Reject(topic, ClipBudget,
                    $"clip {alertId:D} announces {chunk.Total} bytes; device {topic.Site}/{topic.Device} holds {ledger.DeviceBytes(topic.Site, topic.Device)} in clips still arriving and its {ledger.DeviceBudgetBytes / (1024 * 1024)} MB (Relay:Evidence:MaxMBPerDevice) cannot hold both");
            }

            if (ledger.TotalBytes + chunk.Total > ledger.RelayBudgetBytes)
            {
                return alerts.Reject(topic, ClipBudget,
                    $"clip {alertId:D} announces {chunk.Total} bytes; the relay holds {ledger.TotalBytes} in clips still arriving and its {ledger.RelayBudgetBytes / (1024 * 1024)} MB (Relay:Evidence:MaxMB) cannot hold both");
            }
        }

        return null;
    }

    private async Task<IngestResult> WritePieceAsync(EdgeTopic topic, Guid alertId, string path, string part, ClipChunk chunk, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var wrong = false;
        byte[]? actual = null;
        await using (var file = new FileStream(part, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            try
            {
                file.Position = chunk.Offset;
                await file.WriteAsync(chunk.Data, cancellationToken);
                if (chunk.IsLast)
                {
                    file.SetLength(chunk.Total);
                    file.Flush(flushToDisk: true);
                    file.Position = 0;
                    actual = await SHA256.HashDataAsync(file, cancellationToken);
                    wrong = !actual.AsSpan().SequenceEqual(chunk.Sha256);
                }
            }
            finally
            {
                ledger.PartIs(topic.Site, topic.Device, alertId, file.Length);
            }
        }

        if (!chunk.IsLast)
        {
            return new IngestResult(IngestOutcome.Stored);
        }

        if (wrong)
        {
            // Nothing of it is worth keeping: the box sends the clip again from byte 0.
            File.Delete(part);
            ledger.PartGone(alertId);
            return alerts.Reject(topic, ClipChecksum,
                $"clip {alertId:D} of {chunk.Total} bytes has SHA-256 {Convert.ToHexStringLower(actual!)}; its pieces said {Convert.ToHexStringLower(chunk.Sha256)}; send it again from byte 0");
        }

        File.Move(part, path);
        ledger.PartFinished(topic.Site, topic.Device, alertId, chunk.Total);
        var sha = Convert.ToHexStringLower(chunk.Sha256);
        await evidence.RecordClipAsync(alertId, topic.Site, topic.Device, chunk.Total, sha, time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken);
        Log.ClipStored(logger, topic.Site, topic.Device, alertId, chunk.Total);
        await verifier.VerifyAsync(alertId, cancellationToken);
        return new IngestResult(IngestOutcome.Stored);
    }

    public async Task<IngestResult> HandleEvidenceAsync(EdgeTopic topic, ReadOnlySequence<byte> payload, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(topic.Rest, out var alertId))
        {
            return alerts.Reject(topic, RejectReasons.BadTopic, $"evidence on '{topic.Rest}'; expected evidence/{{alert id}}");
        }

        if (!EvidenceEnvelope.TryDecode(payload.IsSingleSegment ? payload.FirstSpan : payload.ToArray(), out var envelope, out var error))
        {
            return alerts.Reject(topic, RejectReasons.Malformed, error!);
        }

        if (await ForeignAlertAsync(topic, alertId, "evidence", cancellationToken) is { } foreign)
        {
            return foreign;
        }

        // A manifest is checked against its stored alert, so one for an alert not stored yet is refused (the box sends it again).
        if (await store.FindAlertAsync(alertId, cancellationToken) is null)
        {
            return alerts.Reject(topic, ManifestUnknownAlert, $"evidence for alert {alertId:D}, which the relay has not stored; send the alert first");
        }

        // Write-once, and kept whatever it says: a manifest that fails is evidence of tampering, recorded with the reason.
        if (!await evidence.RecordManifestAsync(alertId, topic.Site, topic.Device, envelope!.Manifest, envelope.Signature, envelope.KeyId,
                time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken))
        {
            var kept = await evidence.FindEvidenceAsync(alertId, cancellationToken);
            return kept?.Manifest is { } manifest && kept.Signature is { } signature
                   && manifest.AsSpan().SequenceEqual(envelope.Manifest) && signature.AsSpan().SequenceEqual(envelope.Signature)
                ? new IngestResult(IngestOutcome.Duplicate)
                : alerts.Reject(topic, ManifestExists,
                    $"evidence for alert {alertId:D} differs from the manifest already recorded (signed by key {kept?.KeyId}); the first is kept");
        }

        await verifier.VerifyAsync(alertId, cancellationToken);
        return new IngestResult(IngestOutcome.Stored);
    }

    /// <summary>The rejection when the alert is known and belongs to another device; null otherwise.</summary>
    private async Task<IngestResult?> ForeignAlertAsync(EdgeTopic topic, Guid alertId, string what, CancellationToken cancellationToken) =>
        await store.FindAlertAsync(alertId, cancellationToken) is { } owner
        && (owner.Alert.SiteId != topic.Site || owner.Alert.DeviceId != topic.Device)
            ? alerts.Reject(topic, RejectReasons.IdentityMismatch,
                $"{what} for alert {alertId:D} of '{owner.Alert.SiteId}/{owner.Alert.DeviceId}' was published under '{topic.Site}/{topic.Device}'")
            : null;

    private static partial class Log
    {
        [LoggerMessage(EventId = RelayLogEvents.EvidenceClipStored, Level = LogLevel.Information, Message = "Clip of alert {AlertId} from {Site}/{Device} arrived whole ({Bytes} bytes)")]
        public static partial void ClipStored(ILogger logger, string site, string device, Guid alertId, long bytes);
    }
}
