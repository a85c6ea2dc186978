using System.Globalization;
using EdgeGateway.Core.Alerts;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.Core.Outbox;

/// <summary>
/// Puts the outbox's own conditions in the outbox as alerts: <c>outbox_quarantined</c> at start,
/// <c>outbox_evicted</c> on each new connection (and every 10 s while more are evicted),
/// <c>outbox_dead_letter</c> per dead letter and <c>storage_full</c> raised and cleared.
/// </summary>
/// <remarks>
/// A dead letter's notice is kept in the outbox's saved counters until it is itself durable in the
/// outbox, which then sends it until the broker confirms it; a notice that could not be queued (a
/// full disk) is tried again on the next connection, every 10 s, and after a restart.
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "Its SemaphoreSlim never allocates a wait handle (only WaitAsync is used), so there is nothing to dispose.")]
public sealed class OutboxNotices(IOutboxConditions outbox, IAlertSink alerts, TimeProvider time, ILogger logger) : IOutboxNotices
{
    private static readonly TimeSpan EvictionReportInterval = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan NoticeRetryInterval = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan StorageReportRetry = TimeSpan.FromMilliseconds(250);

    private readonly SemaphoreSlim _noticeGate = new(1, 1);
    private int _evictionsReportedOn;
    private long _evictionsReportedAtMs = long.MinValue;
    private int _noticesTriedOn;
    private long _noticesTriedAtMs = long.MinValue;
    private bool _reportedFull;
    private long _storageRetryAtMs;
    private bool _storageReportFailing;
    private Dictionary<string, string>? _fullSeen;

    public TimeSpan RetryInterval => NoticeRetryInterval;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await ReportQuarantinesAsync(cancellationToken).ConfigureAwait(false);
        await ReportDeadLettersAsync(0, cancellationToken).ConfigureAwait(false);
    }

    public async Task ConnectedAsync(int connection, CancellationToken cancellationToken)
    {
        var nowMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        if (outbox.HasUnreportedEvictions
            && (connection != _evictionsReportedOn || nowMs - _evictionsReportedAtMs >= (long)EvictionReportInterval.TotalMilliseconds))
        {
            _evictionsReportedOn = connection;
            _evictionsReportedAtMs = nowMs;
            await ReportEvictionsAsync(cancellationToken).ConfigureAwait(false);
        }

        if (outbox.HasUnreportedDeadLetters
            && (connection != Volatile.Read(ref _noticesTriedOn)
                || nowMs - Interlocked.Read(ref _noticesTriedAtMs) >= (long)NoticeRetryInterval.TotalMilliseconds))
        {
            await ReportDeadLettersAsync(connection, cancellationToken).ConfigureAwait(false);
        }

        await ReportStorageAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task DeadLetteredAsync(int connection) => ReportDeadLettersAsync(connection, CancellationToken.None);

    /// <summary>
    /// Puts an <c>outbox_dead_letter</c> notice in the outbox for each dead letter not yet reported,
    /// and marks it reported once it is durable there. One that cannot be queued (a full disk) stays
    /// in the saved counters and is tried again later.
    /// </summary>
    /// <param name="connection">The connection this attempt is made on.</param>
    /// <param name="cancellationToken">Stops the attempt.</param>
    private async Task ReportDeadLettersAsync(int connection, CancellationToken cancellationToken)
    {
        await _noticeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Volatile.Write(ref _noticesTriedOn, connection);
            Interlocked.Exchange(ref _noticesTriedAtMs, time.GetUtcNow().ToUnixTimeMilliseconds());
            foreach (var report in outbox.PeekUnreportedDeadLetters())
            {
                var attributes = new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    ["class"] = OutboxForwarder.ClassName(report.Class),
                    ["record"] = report.Record.ToString(CultureInfo.InvariantCulture),
                    ["reason"] = Clip(report.Reason),
                };
                if (report.AlertId is { } alertId)
                {
                    attributes["alert_id"] = alertId.ToString("D");
                }

                Alert notice;
                try
                {
                    notice = await alerts.PublishAsync(new AlertDraft(AlertKinds.OutboxDeadLetter, AlertSeverity.Major, AlertState.Raised, attributes), cancellationToken)
                        .ConfigureAwait(false);
                }
                catch (IOException ex)
                {
                    OutboxForwarderLog.DeadLetterFailed(logger, report.Record, ex.Message);
                    return;
                }

                outbox.MarkDeadLetterReported(report);
                OutboxForwarderLog.DeadLetterReported(logger, report.Record, notice.Id);
            }
        }
        finally
        {
            _noticeGate.Release();
        }
    }

    /// <summary>
    /// Raises <c>storage_full</c> upstream when the disk fills, and clears it when it has room again.
    /// A full disk seen while the raise could not be queued (it needs room too) is still raised once
    /// it can be, with what was seen then, even if deliveries have made room by that time; the clear follows.
    /// </summary>
    private async Task ReportStorageAsync(CancellationToken cancellationToken)
    {
        var full = outbox.StorageFull;
        if (full && !_reportedFull && _fullSeen is null)
        {
            _fullSeen = StorageAttributes();
        }

        var raise = !_reportedFull && _fullSeen is not null;
        var clear = _reportedFull && !full;
        if ((!raise && !clear) || time.GetUtcNow().ToUnixTimeMilliseconds() < _storageRetryAtMs)
        {
            return;
        }

        var attributes = raise ? _fullSeen! : StorageAttributes();
        try
        {
            await alerts.PublishAsync(
                new AlertDraft(AlertKinds.StorageFull, AlertSeverity.Major, raise ? AlertState.Raised : AlertState.Cleared, attributes), cancellationToken)
                .ConfigureAwait(false);
            _reportedFull = raise;
            _fullSeen = null;
            _storageReportFailing = false;
        }
        catch (IOException ex)
        {
            // The disk is full enough that even this alert was refused: deliveries free room; try again shortly.
            _storageRetryAtMs = time.GetUtcNow().Add(StorageReportRetry).ToUnixTimeMilliseconds();
            if (!_storageReportFailing)
            {
                _storageReportFailing = true;
                OutboxForwarderLog.StorageReportFailed(logger, raise ? "raised" : "cleared", ex.Message);
            }
        }
    }

    private Dictionary<string, string> StorageAttributes()
    {
        var stats = outbox.GetStats();
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["queued_bytes"] = stats.QueuedBytes.ToString(CultureInfo.InvariantCulture),
            ["capacity_bytes"] = Math.Min(stats.CapacityBytes, stats.BudgetBytes).ToString(CultureInfo.InvariantCulture),
            ["depth"] = stats.TotalDepth.ToString(CultureInfo.InvariantCulture),
        };
    }

    private async Task ReportEvictionsAsync(CancellationToken cancellationToken)
    {
        if (outbox.PeekUnreportedEvictions() is not { } counts)
        {
            return;
        }

        var total = counts.Sum();
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["evicted"] = total.ToString(CultureInfo.InvariantCulture),
        };
        foreach (var messageClass in Enum.GetValues<OutboxClass>())
        {
            if (counts[(int)messageClass] > 0)
            {
                attributes[OutboxForwarder.ClassName(messageClass)] = counts[(int)messageClass].ToString(CultureInfo.InvariantCulture);
            }
        }

        var severity = counts[(int)OutboxClass.Alarm] > 0 ? AlertSeverity.Critical : AlertSeverity.Warning;
        var alert = await alerts.PublishAsync(new AlertDraft(AlertKinds.OutboxEvicted, severity, AlertState.Raised, attributes), cancellationToken)
            .ConfigureAwait(false);
        outbox.MarkEvictionsReported(counts);
        OutboxForwarderLog.EvictionsReported(logger, total, alert.Id);
    }

    private async Task ReportQuarantinesAsync(CancellationToken cancellationToken)
    {
        foreach (var report in outbox.PeekUnreportedQuarantines())
        {
            var attributes = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["file"] = Path.GetFileName(report.File),
                ["quarantined_as"] = Path.GetFileName(report.QuarantinedAs),
                ["intact_records"] = report.IntactRecords.ToString(CultureInfo.InvariantCulture),
                ["damaged_bytes"] = report.DamagedBytes.ToString(CultureInfo.InvariantCulture),
                ["reason"] = Clip(report.Reason),
            };
            var alert = await alerts.PublishAsync(
                new AlertDraft(AlertKinds.OutboxQuarantined, AlertSeverity.Major, AlertState.Raised, attributes), cancellationToken)
                .ConfigureAwait(false);
            outbox.MarkQuarantineReported(report);
            OutboxForwarderLog.QuarantineReported(logger, report.QuarantinedAs, alert.Id);
        }
    }

    private static string Clip(string reason) => reason.Length > AlertLimits.MaxStringLength ? reason[..AlertLimits.MaxStringLength] : reason;
}
