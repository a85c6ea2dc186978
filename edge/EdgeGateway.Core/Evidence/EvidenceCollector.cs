using EdgeGateway.Contracts.Evidence;
using EdgeGateway.Core.Alerts;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.Core.Evidence;

/// <summary>
/// Watches the alerts the box makes durable. A raised alert with a clip waits for the recorder; then (or at once,
/// for one with only a snapshot) the box signs the manifest (alert id, device, site, kind, raise time, SHA-256 of
/// snapshot and clip) and queues it, with the clip, for upload. A cleared alert ends its clips' extension.
/// </summary>
public sealed partial class EvidenceCollector(
    IClipRecorder? recorder,
    EvidenceSigningKey key,
    EvidenceFolder folder,
    TimeProvider time,
    ILogger<EvidenceCollector> logger) : IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _running = [];
    private readonly Lock _gate = new();

    public void OnPublished(PublishedAlert published)
    {
        ArgumentNullException.ThrowIfNull(published);
        var alert = published.Alert;
        alert.Attributes.TryGetValue("camera", out var camera);
        if (alert.State == AlertState.Cleared)
        {
            if (camera is not null)
            {
                recorder?.Cleared(camera, alert.Kind, time.GetUtcNow());
            }

            return;
        }

        var snapshotSha = published.SnapshotJpeg.IsEmpty ? null : EvidenceSignature.Sha256Hex(published.SnapshotJpeg.Span);
        if (alert.ClipRef is null || recorder is null || camera is null)
        {
            if (snapshotSha is not null)
            {
                SignAndQueue(alert, snapshotSha, null);
            }

            return;
        }

        var task = RecordThenQueueAsync(alert, camera, snapshotSha);
        lock (_gate)
        {
            _running.RemoveAll(t => t.IsCompleted);
            _running.Add(task);
        }
    }

    private async Task RecordThenQueueAsync(Alert alert, string camera, string? snapshotSha)
    {
        string? clip = null;
        try
        {
            clip = await recorder!.RecordAsync(camera, alert.Kind, alert.Id, DateTimeOffset.FromUnixTimeMilliseconds(alert.TimestampMs), _stopping.Token);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            return;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.Failed(logger, alert.Id, ex.Message);
        }

        SignAndQueue(alert, snapshotSha, clip);
    }

    /// <summary>Signs the manifest of <paramref name="alert"/> and queues it, with the clip (moved into the evidence folder), for upload.</summary>
    public void SignAndQueue(Alert alert, string? snapshotSha, string? clip)
    {
        ArgumentNullException.ThrowIfNull(alert);
        try
        {
            if (clip is not null && Path.GetFullPath(clip) != folder.ClipPath(alert.Id))
            {
                File.Copy(clip, folder.ClipPath(alert.Id), overwrite: true);
                clip = folder.ClipPath(alert.Id);
            }

            var clipSha = clip is null ? null : EvidenceSignature.Sha256Hex(File.ReadAllBytes(clip));
            var manifest = new EvidenceManifest(alert.Id, alert.DeviceId, alert.SiteId, alert.Kind, alert.TimestampMs, snapshotSha, clipSha).ToBytes();
            folder.Add(new EvidenceItem
            {
                AlertId = alert.Id,
                CreatedMs = time.GetUtcNow().ToUnixTimeMilliseconds(),
                Manifest = manifest,
                Signature = key.Sign(manifest),
                KeyId = key.KeyId,
                HasClip = clip is not null,
            });
            Log.Signed(logger, alert.Id, clip is null ? "snapshot" : "snapshot and clip", key.KeyId);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log.Failed(logger, alert.Id, ex.Message);
        }
    }

    /// <summary>Waits for clips being recorded (up to <paramref name="timeout"/>), then stops the rest.</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        Task[] running;
        lock (_gate)
        {
            running = [.. _running];
        }

        await Task.WhenAll(running).WaitAsync(timeout).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _stopping.CancelAsync();
    }

    /// <summary>Completes when no clip is being recorded.</summary>
    public Task IdleAsync()
    {
        lock (_gate)
        {
            return Task.WhenAll(_running);
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _stopping.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = CoreLogEvents.EvidenceSigned, Level = LogLevel.Information, Message = "Signed the evidence of alert {AlertId} ({What}) with key {KeyId}")]
        public static partial void Signed(ILogger logger, Guid alertId, string what, string keyId);

        [LoggerMessage(EventId = CoreLogEvents.EvidenceFailed, Level = LogLevel.Warning, Message = "No evidence for alert {AlertId}: {Error}")]
        public static partial void Failed(ILogger logger, Guid alertId, string error);
    }
}
