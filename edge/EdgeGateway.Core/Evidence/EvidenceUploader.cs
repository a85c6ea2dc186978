using System.Security.Cryptography;
using EdgeGateway.Contracts.Evidence;
using EdgeGateway.Core.Outbox;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.Core.Evidence;

/// <summary>
/// Sends the evidence folder upstream, oldest first, only while no alarm or snapshot waits in the outbox: each clip
/// in pieces under the relay's packet limit, each piece confirmed before the next, then the signed manifest. How
/// far a clip got is kept on disk, so after a reconnect or a reboot it goes on from the last confirmed piece; the
/// relay writes a piece sent twice over itself and checks the whole clip's SHA-256, so it arrives whole once.
/// </summary>
public sealed partial class EvidenceUploader(
    EvidenceFolder folder,
    IEvidenceTransport transport,
    Func<bool> outboxBusy,
    int chunkBytes,
    TimeProvider time,
    ILogger<EvidenceUploader> logger)
{
    /// <summary>A clip the relay refuses this many times in a row goes no further; its manifest still goes.</summary>
    public const int MaxRestarts = 3;

    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan RetryAfterRefusal = TimeSpan.FromSeconds(5);

    /// <summary>Pieces between two progress writes; after a power cut at most these are sent again.</summary>
    private const int ProgressEvery = 16;

    private long _piecesSent;

    /// <summary>Clip pieces the relay confirmed since start.</summary>
    public long PiecesSent => Interlocked.Read(ref _piecesSent);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        EvidenceItem? item = null;
        while (!cancellationToken.IsCancellationRequested)
        {
            // The item in hand carries the progress; the disk copy is read again only for the next item.
            item ??= folder.Oldest();
            if (item is null || outboxBusy())
            {
                await folder.WaitForItemAsync(item is null ? Idle : TimeSpan.FromMilliseconds(200), time, cancellationToken);
                continue;
            }

            await transport.WaitForConnectionAsync(0, cancellationToken);
            var result = await StepAsync(item, cancellationToken);
            if (result.Outcome == UplinkSendOutcome.Confirmed && !folder.IsPending(item.AlertId))
            {
                item = null;
            }
            else if (result.Outcome == UplinkSendOutcome.LinkFailed)
            {
                folder.Save(item, sync: false);
                await transport.WaitForConnectionAsync(result.Connection, cancellationToken);
            }
            else if (result.Outcome == UplinkSendOutcome.Refused)
            {
                await Task.Delay(RetryAfterRefusal, time, cancellationToken);
            }
        }
    }

    /// <summary>Sends the next clip piece, or the manifest once the clip is through; moves the item on.</summary>
    private async Task<UplinkSendResult> StepAsync(EvidenceItem item, CancellationToken cancellationToken)
    {
        var clip = folder.ClipPath(item.AlertId);
        if (item.HasClip && !File.Exists(clip))
        {
            // Retention took it first: the manifest alone still goes, and the relay shows the clip as missing.
            item.HasClip = false;
        }

        if (item.HasClip && (!item.UploadStarted || item.Confirmed < item.UploadBytes))
        {
            return await SendPieceAsync(item, clip, cancellationToken);
        }

        var result = await transport.SendManifestAsync(item.AlertId, new EvidenceEnvelope(item.Manifest, item.Signature, item.KeyId).Encode(), cancellationToken);
        if (result.Outcome == UplinkSendOutcome.Confirmed)
        {
            folder.Remove(item.AlertId);
            Log.Delivered(logger, item.AlertId, item.HasClip ? item.UploadBytes : 0);
        }
        else if (result.Outcome == UplinkSendOutcome.Refused)
        {
            Log.Refused(logger, item.AlertId, "manifest", result.Reason ?? "refused");
        }

        return result;
    }

    private async Task<UplinkSendResult> SendPieceAsync(EvidenceItem item, string clip, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(clip, FileMode.Open, FileAccess.Read, FileShare.Read);
        if (!item.UploadStarted)
        {
            // What goes on the wire is checked against this; the signed manifest keeps the hash taken at recording.
            item.UploadSha256 = await SHA256.HashDataAsync(file, cancellationToken);
            item.UploadBytes = file.Length;
            item.Confirmed = 0;
            folder.Save(item);
        }

        var buffer = new byte[(int)Math.Min(chunkBytes, item.UploadBytes - item.Confirmed)];
        file.Position = item.Confirmed;
        await file.ReadExactlyAsync(buffer, cancellationToken);
        var piece = new ClipChunk(item.Confirmed, item.UploadBytes, item.UploadSha256!, buffer).Encode();
        var result = await transport.SendClipPieceAsync(item.AlertId, piece, cancellationToken);
        switch (result.Outcome)
        {
            case UplinkSendOutcome.Confirmed:
                item.Confirmed += buffer.Length;
                Interlocked.Increment(ref _piecesSent);
                if (item.Confirmed == item.UploadBytes || item.Confirmed / chunkBytes % ProgressEvery == 0)
                {
                    folder.Save(item, sync: item.Confirmed == item.UploadBytes);
                }

                break;
            case UplinkSendOutcome.Refused:
                Log.Refused(logger, item.AlertId, $"clip piece at byte {item.Confirmed}", result.Reason ?? "refused");
                item.Restarts++;
                item.UploadSha256 = null;
                if (item.Restarts >= MaxRestarts)
                {
                    Log.ClipGivenUp(logger, item.AlertId, item.Restarts);
                    item.HasClip = false;
                }

                folder.Save(item);
                break;
        }

        return result;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = CoreLogEvents.EvidenceDelivered, Level = LogLevel.Information, Message = "Evidence of alert {AlertId} delivered (clip of {Bytes} bytes)")]
        public static partial void Delivered(ILogger logger, Guid alertId, long bytes);

        [LoggerMessage(EventId = CoreLogEvents.EvidenceRefused, Level = LogLevel.Warning, Message = "The relay refused the {What} of alert {AlertId}: {Reason}")]
        public static partial void Refused(ILogger logger, Guid alertId, string what, string reason);

        [LoggerMessage(EventId = CoreLogEvents.EvidenceClipGivenUp, Level = LogLevel.Warning, Message = "The clip of alert {AlertId} was refused {Times} times; sending its manifest without it")]
        public static partial void ClipGivenUp(ILogger logger, Guid alertId, int times);
    }
}
