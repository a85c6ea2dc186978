using Microsoft.Extensions.Logging;

namespace EdgeGateway.Core.Evidence;

/// <summary>
/// Deletes the box's clips, oldest first: past <c>Evidence:RetentionDays</c>, and while all clips together pass
/// <c>Evidence:BudgetMB</c>. It touches only the evidence folder, never the outbox, so alarms are never lost to it.
/// </summary>
public sealed partial class EvidenceRetention(EvidenceFolder folder, EvidenceOptions options, TimeProvider time, ILogger<EvidenceRetention> logger)
{
    /// <summary>One pass; returns how many clips it deleted.</summary>
    public int Sweep()
    {
        var cutoff = time.GetUtcNow().UtcDateTime.AddDays(-options.RetentionDays);
        var clips = new DirectoryInfo(folder.Clips).EnumerateFiles("*.mp4").OrderBy(f => f.LastWriteTimeUtc).ToList();
        var total = clips.Sum(f => f.Length);
        var budget = options.BudgetMB * 1024 * 1024;
        var deleted = 0;
        foreach (var clip in clips)
        {
            var reason = clip.LastWriteTimeUtc < cutoff ? $"older than {options.RetentionDays} days"
                : total > budget ? $"clips over Evidence:BudgetMB {options.BudgetMB}"
                : null;
            if (reason is null)
            {
                continue;
            }

            total -= clip.Length;
            clip.Delete();
            deleted++;
            Log.Deleted(logger, clip.Name, reason);
        }

        return deleted;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = CoreLogEvents.EvidenceClipDeleted, Level = LogLevel.Information, Message = "Deleted clip {Clip}: {Reason}")]
        public static partial void Deleted(ILogger logger, string clip, string reason);
    }
}
