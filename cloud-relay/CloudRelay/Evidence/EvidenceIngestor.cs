using System.Buffers;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using CloudRelay.Ingest;
using CloudRelay.Storage;
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
    AlertIngestor alerts,
    IRelayStore store,
    IEvidenceStore evidence,
    EvidenceVerifier verifier,
    ClipFiles clips,
    TimeProvider time,
    ILogger<EvidenceIngestor> logger)
{
    public const string ClipGap = "clip_gap";
    public const string ClipChecksum = "clip_checksum";

    /// <summary>A second, different manifest for an alert that has one: refused, the first kept.</summary>
    public const string ManifestExists = "manifest_exists";

    /// <summary>A manifest for an alert the relay has not stored.</summary>
    public const string ManifestUnknownAlert = "manifest_unknown_alert";

    private readonly ConcurrentDictionary<Guid, SemaphoreSlim> _locks = new();

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

        if (await ForeignAlertAsync(topic, alertId, "clip", cancellationToken) is { } foreign)
        {
            return foreign;
        }

        var path = clips.FinalPath(topic.Site, topic.Device, alertId)!;
        var gate = _locks.GetOrAdd(alertId, static _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (File.Exists(path))
            {
                return new IngestResult(IngestOutcome.Duplicate);
            }

            return await WritePieceAsync(topic, alertId, path, chunk!, cancellationToken);
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<IngestResult> WritePieceAsync(EdgeTopic topic, Guid alertId, string path, ClipChunk chunk, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var part = ClipFiles.PartPath(path);
        await using (var file = new FileStream(part, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            if (chunk.Offset > file.Length)
            {
                return alerts.Reject(topic, ClipGap, $"clip {alertId:D} piece starts at byte {chunk.Offset} but the relay holds {file.Length}; send the clip again from byte 0");
            }

            file.Position = chunk.Offset;
            await file.WriteAsync(chunk.Data, cancellationToken);
            if (!chunk.IsLast)
            {
                return new IngestResult(IngestOutcome.Stored);
            }

            file.SetLength(chunk.Total);
            file.Flush(flushToDisk: true);
            file.Position = 0;
            var actual = await SHA256.HashDataAsync(file, cancellationToken);
            if (!actual.AsSpan().SequenceEqual(chunk.Sha256))
            {
                file.SetLength(0);
                return alerts.Reject(topic, ClipChecksum,
                    $"clip {alertId:D} of {chunk.Total} bytes has SHA-256 {Convert.ToHexStringLower(actual)}; its pieces said {Convert.ToHexStringLower(chunk.Sha256)}; send it again from byte 0");
            }
        }

        File.Move(part, path);
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
