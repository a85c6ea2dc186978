using CloudRelay.Settings;
using CloudRelay.Database;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CloudRelay.Evidence;

/// <summary>
/// Deletes clips, oldest first: past <c>Relay:Evidence:RetentionDays</c>, past a device's <c>MaxMBPerDevice</c>, past
/// <c>MaxMB</c> in all (clips still arriving count too), and unfinished clips that got no piece for <c>PartTtl</c>.
/// Only clip files go; the alerts, snapshots and the manifests with their results stay, and the evidence table
/// remembers a deleted clip so it is never taken again.
/// </summary>
public sealed partial class EvidenceRetention(
    IEvidenceStore evidence,
    ClipFiles clips,
    ClipLedger ledger,
    IOptions<RelayOptions> options,
    TimeProvider time,
    ILogger<EvidenceRetention> logger) : BackgroundService
{
    private readonly SemaphoreSlim _running = new(1, 1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.Evidence.SweepInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await SweepAsync(stoppingToken);
                await Task.Delay(interval, time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                Log.SweepFailed(logger, ex.Message);
                await Task.Delay(interval, time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    /// <summary>One pass; returns how many clips (finished or not) it deleted.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        await ledger.EnsureLoadedAsync(cancellationToken);
        // Outside _running: the ingest holds an alert's lock while it waits for MakeRoomAsync, so this side must
        // never hold _running while it waits for an alert's lock.
        var deleted = await SweepPartsAsync(cancellationToken);
        await _running.WaitAsync(cancellationToken);
        try
        {
            var all = await evidence.ListClipsAsync(cancellationToken);
            ledger.SetFinished(all);
            return deleted + await DeleteFinishedAsync(all, null, cancellationToken);
        }
        finally
        {
            _running.Release();
        }
    }

    /// <summary>
    /// Makes room for a clip of <paramref name="bytes"/> the device is starting: its own oldest clips go first, and past
    /// <c>MaxMB</c> the relay's oldest, as the next sweep would do. Unfinished clips are never deleted for it.
    /// </summary>
    public async Task MakeRoomAsync(string site, string device, long bytes, CancellationToken cancellationToken)
    {
        await _running.WaitAsync(cancellationToken);
        try
        {
            var all = await evidence.ListClipsAsync(cancellationToken);
            ledger.SetFinished(all);
            await DeleteFinishedAsync(all, (site, device, bytes), cancellationToken);
        }
        finally
        {
            _running.Release();
        }
    }

    private async Task<int> DeleteFinishedAsync(IReadOnlyList<EvidenceRecord> all, (string Site, string Device, long Bytes)? incoming, CancellationToken cancellationToken)
    {
        var settings = options.Value.Evidence;
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var cutoff = now - settings.RetentionDays * 86_400_000L;
        var deleted = 0;
        foreach (var clip in all)
        {
            var extra = incoming is { } start && start.Site == clip.Site && start.Device == clip.Device ? start.Bytes : 0;
            var reason = clip.ClipMs < cutoff ? $"older than {settings.RetentionDays} days"
                : ledger.DeviceBytes(clip.Site, clip.Device) + extra > ledger.DeviceBudgetBytes ? $"device over {settings.MaxMBPerDevice} MB"
                : ledger.TotalBytes + (incoming?.Bytes ?? 0) > ledger.RelayBudgetBytes ? $"all clips over {settings.MaxMB} MB"
                : null;
            if (reason is null)
            {
                continue;
            }

            if (clips.FinalPath(clip.Site, clip.Device, clip.AlertId) is { } path)
            {
                File.Delete(path);
            }

            await evidence.MarkClipDeletedAsync(clip.AlertId, now, cancellationToken);
            ledger.FinishedDeleted(clip.Site, clip.Device, clip.ClipBytes ?? 0);
            deleted++;
            Log.Deleted(logger, clip.Site, clip.Device, clip.AlertId, reason);
        }

        return deleted;
    }

    public override void Dispose()
    {
        _running.Dispose();
        base.Dispose();
    }

    private async Task<int> SweepPartsAsync(CancellationToken cancellationToken)
    {
        var deleted = 0;
        foreach (var (alertId, site, device) in ledger.StaleParts())
        {
            var gate = ledger.LockFor(alertId);
            await gate.WaitAsync(cancellationToken);
            try
            {
                // A piece may have come since the list was made.
                if (!ledger.IsStale(alertId) || clips.FinalPath(site, device, alertId) is not { } path)
                {
                    continue;
                }

                File.Delete(ClipFiles.PartPath(path));
                ledger.PartGone(alertId);
                deleted++;
                Log.PartDeleted(logger, site, device, alertId, options.Value.Evidence.PartTtl);
            }
            finally
            {
                gate.Release();
            }
        }

        return deleted;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = RelayLogEvents.EvidenceClipDeleted, Level = LogLevel.Information, Message = "Deleted the clip of alert {AlertId} from {Site}/{Device}: {Reason}")]
        public static partial void Deleted(ILogger logger, string site, string device, Guid alertId, string reason);

        [LoggerMessage(EventId = RelayLogEvents.EvidenceSweepFailed, Level = LogLevel.Warning, Message = "Evidence retention failed: {Error}; trying again at the next sweep")]
        public static partial void SweepFailed(ILogger logger, string error);

        [LoggerMessage(EventId = RelayLogEvents.EvidencePartDeleted, Level = LogLevel.Information, Message = "Deleted the unfinished clip of alert {AlertId} from {Site}/{Device}: no piece for {PartTtl}")]
        public static partial void PartDeleted(ILogger logger, string site, string device, Guid alertId, TimeSpan partTtl);
    }
}
