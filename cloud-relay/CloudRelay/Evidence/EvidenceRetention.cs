using CloudRelay.Hosting;
using CloudRelay.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CloudRelay.Evidence;

/// <summary>
/// Deletes clips, oldest first: past <c>Relay:Evidence:RetentionDays</c>, past a device's <c>MaxMBPerDevice</c>, past
/// <c>MaxMB</c> in all. Only clip files go; the alerts, snapshots and the manifests with their results stay.
/// </summary>
public sealed partial class EvidenceRetention(
    IEvidenceStore evidence,
    ClipFiles clips,
    IOptions<RelayOptions> options,
    TimeProvider time,
    ILogger<EvidenceRetention> logger) : BackgroundService
{
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

    /// <summary>One pass; returns how many clips it deleted.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value.Evidence;
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var cutoff = now - settings.RetentionDays * 86_400_000L;
        var all = await evidence.ListClipsAsync(cancellationToken);
        var total = all.Sum(c => c.ClipBytes ?? 0);
        var perDevice = all.GroupBy(c => (c.Site, c.Device)).ToDictionary(g => g.Key, g => g.Sum(c => c.ClipBytes ?? 0));
        var deleted = 0;
        foreach (var clip in all)
        {
            var key = (clip.Site, clip.Device);
            var reason = clip.ClipMs < cutoff ? $"older than {settings.RetentionDays} days"
                : perDevice[key] > settings.MaxMBPerDevice * 1024 * 1024 ? $"device over {settings.MaxMBPerDevice} MB"
                : total > settings.MaxMB * 1024 * 1024 ? $"all clips over {settings.MaxMB} MB"
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
            total -= clip.ClipBytes ?? 0;
            perDevice[key] -= clip.ClipBytes ?? 0;
            deleted++;
            Log.Deleted(logger, clip.Site, clip.Device, clip.AlertId, reason);
        }

        return deleted;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = RelayLogEvents.EvidenceClipDeleted, Level = LogLevel.Information, Message = "Deleted the clip of alert {AlertId} from {Site}/{Device}: {Reason}")]
        public static partial void Deleted(ILogger logger, string site, string device, Guid alertId, string reason);

        [LoggerMessage(EventId = RelayLogEvents.EvidenceSweepFailed, Level = LogLevel.Warning, Message = "Evidence retention failed: {Error}; trying again at the next sweep")]
        public static partial void SweepFailed(ILogger logger, string error);
    }
}
