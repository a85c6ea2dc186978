using CloudRelay.Settings;
using CloudRelay.Database;
using EdgeGateway.Supervision.Progress;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CloudRelay.Cases;

/// <summary>
/// Opens and moves cases from the alerts in the case inbox, and marks cases overdue when their deadline passes,
/// raising one <c>rectification_overdue</c> alert per case. Relay instances sharing a database all fill the inbox;
/// only the one holding the relay lease (the forwarder's) runs this, so a deadline fires on one instance, and the
/// store's guarded updates and the overdue alert's case-derived id keep it to once even if two ever overlapped.
/// </summary>
public sealed partial class CaseTracker(
    ICaseStore cases,
    RelayLease relayLease,
    RelayAlertFeed feed,
    CaseRules rules,
    TimeProvider time,
    IOptions<RelayOptions> options,
    ILogger<CaseTracker> logger,
    ProgressRegistry? progress = null) : BackgroundService
{
    private const int InboxBatch = 500;
    private const int OverdueBatch = 100;
    private static readonly TimeSpan LeaseRetry = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.Cases.CheckInterval;
        using var heartbeat = progress?.Register("case tracker", interval + TimeSpan.FromSeconds(60));
        while (!stoppingToken.IsCancellationRequested)
        {
            heartbeat?.Beat();
            IForwarderLease? lease = null;
            try
            {
                lease = await relayLease.TryTakeAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.TurnFailed(logger, ex.Message);
            }

            if (lease is null)
            {
                await Task.Delay(LeaseRetry, time, stoppingToken);
                continue;
            }

            await using (lease)
            {
                while (!stoppingToken.IsCancellationRequested && await lease.IsHeldAsync(stoppingToken))
                {
                    heartbeat?.Beat();
                    await TurnAsync(heartbeat, stoppingToken);
                    await Task.Delay(interval, time, stoppingToken);
                }
            }
        }
    }

    /// <summary>One pass: the whole inbox, then the deadlines that have passed; a long inbox beats the heartbeat per batch.</summary>
    private async Task TurnAsync(Heartbeat? heartbeat, CancellationToken cancellationToken)
    {
        try
        {
            var applied = 0;
            int taken;
            do
            {
                taken = await cases.ApplyInboxAsync(rules, time.GetUtcNow().ToUnixTimeMilliseconds(), InboxBatch, cancellationToken);
                applied += taken;
                heartbeat?.Beat();
            }
            while (taken == InboxBatch);

            var fired = await cases.FireOverdueAsync(rules, time.GetUtcNow().ToUnixTimeMilliseconds(), OverdueBatch, cancellationToken);
            foreach (var alert in fired)
            {
                Log.Overdue(logger, alert.Alert.SiteId, alert.Alert.DeviceId,
                    alert.Alert.Attributes[RectificationOverdue.ViolationAttribute], alert.Alert.Attributes[RectificationOverdue.CaseAttribute]);
                feed.Publish(alert);
            }

            if (rules.Forward && (applied > 0 || fired.Count > 0))
            {
                feed.SignalForward();
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Nothing was half applied (each step is one transaction); the next turn tries again.
            Log.TurnFailed(logger, ex.Message);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = RelayLogEvents.CaseOverdue, Level = LogLevel.Information, Message = "Case {Case} ({Violation} at {Site}/{Device}) passed its deadline; rectification_overdue raised")]
        public static partial void Overdue(ILogger logger, string site, string device, string violation, string @case);

        [LoggerMessage(EventId = RelayLogEvents.CaseTurnFailed, Level = LogLevel.Warning, Message = "Applying alerts to cases or checking deadlines failed; trying again: {Error}")]
        public static partial void TurnFailed(ILogger logger, string error);
    }
}
