using System.Globalization;
using EdgeGateway.Core.Alerts;
using EdgeGateway.Core.Ports;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.Core.Outbox;

/// <summary>
/// The send loop: takes records from the outbox (highest class first, oldest first within a
/// class), keeps up to <c>window</c> of them in flight on the transport, and removes each one
/// only when the transport confirmed it. Unconfirmed records go back in place and are sent again
/// on the next connection. On each new connection it reports evictions upstream, and at start it
/// reports quarantined store files. A record the broker refuses again and again while it takes
/// others (a non-success PUBACK), or one after which the connection drops twice, is poison: it
/// moves to dead letters, is reported once as <c>outbox_dead_letter</c>, and never blocks the
/// records behind it. A full disk is raised and cleared upstream as <c>storage_full</c>.
/// </summary>
public sealed partial class OutboxForwarder(
    IOutboxReader outbox,
    IUplinkTransport transport,
    IAlertSink alerts,
    TimeProvider time,
    ILogger<OutboxForwarder> logger,
    int window = 256,
    int refusalsBeforeDeadLetter = 3)
{
    /// <summary>Link drops while a record was in flight before it is sent on its own, and dead-lettered if the link drops again.</summary>
    private const int DropsBeforeSolo = 2;

    /// <summary>Drops with the record alone on the wire before it is dead-lettered.</summary>
    private const int SoloDropsBeforeDeadLetter = 2;

    /// <summary>Refused records since the last confirmation up to which the refusals single them out as poison.</summary>
    private const int MaxSingledOut = 2;

    private static readonly TimeSpan EvictionReportInterval = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan MaxRefusalBackoff = TimeSpan.FromSeconds(30);

    private int _failedConnection;
    private int _refusals;
    private long _retryAtMs;
    private long _sent;
    private string? _lastError;
    private long _deadLettered;
    private bool _reportedFull;
    private long _confirmations;
    private readonly Lock _suspectsGate = new();
    private readonly Dictionary<long, Suspect> _suspects = [];
    private readonly HashSet<long> _refusedSinceConfirm = [];

    /// <summary>Records confirmed by the far end since start.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    public string? LastError => Volatile.Read(ref _lastError);

    /// <summary>Records moved to dead letters since start.</summary>
    public long DeadLettered => Interlocked.Read(ref _deadLettered);

    public Task RunAsync(CancellationToken cancellationToken) => RunAsync(null, Timeout.InfiniteTimeSpan, cancellationToken);

    /// <summary>Runs the send loop until <paramref name="cancellationToken"/> stops it.</summary>
    /// <param name="progress">
    /// Called on every turn of the loop, and at least every <paramref name="idleInterval"/> while the
    /// loop waits for a connection, a free send slot or a record: the loop's proof of life.
    /// </param>
    /// <param name="idleInterval">How long the loop may wait before it turns anyway.</param>
    /// <param name="cancellationToken">Stops the loop.</param>
    public async Task RunAsync(Action? progress, TimeSpan idleInterval, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 1);
        await ReportQuarantinesAsync(cancellationToken).ConfigureAwait(false);
        using var slots = new SemaphoreSlim(window, window);
        using var idle = new IdleWake(idleInterval, time, cancellationToken);
        var reportedOn = 0;
        var lastReportMs = long.MinValue;
        try
        {
            while (true)
            {
                progress?.Invoke();
                int connection;
                try
                {
                    connection = await transport.WaitForConnectionAsync(Volatile.Read(ref _failedConnection), idle.Token).ConfigureAwait(false);
                    await WaitOutRefusalAsync(idle.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (idle.Passed(cancellationToken))
                {
                    continue;
                }

                var nowMs = time.GetUtcNow().ToUnixTimeMilliseconds();
                if (outbox.HasUnreportedEvictions
                    && (connection != reportedOn || nowMs - lastReportMs >= (long)EvictionReportInterval.TotalMilliseconds))
                {
                    reportedOn = connection;
                    lastReportMs = nowMs;
                    await ReportEvictionsAsync(cancellationToken).ConfigureAwait(false);
                }

                await ReportStorageAsync(cancellationToken).ConfigureAwait(false);
                OutboxEntry entry;
                try
                {
                    await slots.WaitAsync(idle.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (idle.Passed(cancellationToken))
                {
                    continue;
                }

                try
                {
                    entry = await outbox.TakeAsync(idle.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (idle.Passed(cancellationToken))
                {
                    slots.Release();
                    continue;
                }
                catch
                {
                    slots.Release();
                    throw;
                }

                if (outbox.ReadPayload(entry) is not { } payload)
                {
                    slots.Release();
                    continue;
                }

                if (IsSuspect(entry.Id))
                {
                    // The link dropped twice with this record in flight: send it alone, to tell whether it is the cause.
                    var held = 1;
                    var sent = false;
                    try
                    {
                        for (; held < window; held++)
                        {
                            await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
                        }

                        // On a live connection, so a drop is this record's doing, not the last one's.
                        await transport.WaitForConnectionAsync(0, cancellationToken).ConfigureAwait(false);
                        sent = true;
                        await SendOneAsync(entry, payload, slots, solo: true, CancellationToken.None).ConfigureAwait(false);
                    }
                    finally
                    {
                        if (!sent)
                        {
                            outbox.Requeue(entry);
                        }

                        // SendOneAsync released one slot when it ran.
                        var release = sent ? held - 1 : held;
                        if (release > 0)
                        {
                            slots.Release(release);
                        }
                    }

                    continue;
                }

                // Not cancelled on stop: a send already on the wire may finish, so its record is not sent twice.
                _ = SendOneAsync(entry, payload, slots, solo: false, CancellationToken.None);
            }
        }
        finally
        {
            // Let sends already on the wire finish, so their confirmations are recorded.
            for (var i = 0; i < window; i++)
            {
                if (!await slots.WaitAsync(TimeSpan.FromSeconds(2), CancellationToken.None).ConfigureAwait(false))
                {
                    break;
                }
            }
        }
    }

    private async Task SendOneAsync(OutboxEntry entry, ReadOnlyMemory<byte> payload, SemaphoreSlim slots, bool solo, CancellationToken cancellationToken)
    {
        try
        {
            UplinkSendResult result;
            try
            {
                result = await transport.SendAsync(entry, payload, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                result = UplinkSendResult.LinkFailed(0, "stopping");
            }
#pragma warning disable CA1031 // A transport bug must not stop the send loop; the record is kept.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                result = UplinkSendResult.LinkFailed(0, ex.Message);
            }

            switch (result.Outcome)
            {
                case UplinkSendOutcome.Confirmed:
                    outbox.Acknowledge(entry);
                    Interlocked.Increment(ref _sent);
                    Interlocked.Exchange(ref _refusals, 0);
                    Interlocked.Increment(ref _confirmations);
                    Forgive(entry.Id, confirmed: true);
                    break;
                case UplinkSendOutcome.Refused when IsPoison(entry.Id):
                    await ParkAsync(entry, $"refused by the broker {refusalsBeforeDeadLetter} times: {result.Reason ?? "no reason given"}")
                        .ConfigureAwait(false);
                    break;
                case UplinkSendOutcome.Refused:
                    Volatile.Write(ref _lastError, result.Reason);
                    var attempt = Interlocked.Increment(ref _refusals);
                    var delay = Backoff.Delay(attempt, TimeSpan.FromSeconds(1), MaxRefusalBackoff, Random.Shared.NextDouble());
                    if (RefusesEverything())
                    {
                        // The broker refuses whatever it gets (an ACL, a quota): hold everything back.
                        outbox.Requeue(entry);
                        Interlocked.Exchange(ref _retryAtMs, time.GetUtcNow().Add(delay).ToUnixTimeMilliseconds());
                    }
                    else
                    {
                        // Held aside, so the records behind it go on and show whether the broker takes others.
                        _ = ReturnLaterAsync(entry, delay);
                    }

                    Log.Refused(logger, entry.Class, entry.Id, result.Reason ?? "unknown", delay.TotalSeconds);
                    break;
                case UplinkSendOutcome.LinkFailed when solo && result.Reason is not ("stopping" or "not connected") && Strike(entry.Id) >= DropsBeforeSolo + SoloDropsBeforeDeadLetter:
                    RaiseFailedConnection(result.Connection);
                    await ParkAsync(entry, $"the connection dropped {DropsBeforeSolo + SoloDropsBeforeDeadLetter} times right after sending it, {SoloDropsBeforeDeadLetter} of them with nothing else in flight: {result.Reason ?? "no reason given"}")
                        .ConfigureAwait(false);
                    break;
                case UplinkSendOutcome.LinkFailed when solo:
                    outbox.Requeue(entry);
                    RaiseFailedConnection(result.Connection);
                    break;
                default:
                    if (result.Reason is not ("stopping" or "not connected"))
                    {
                        _ = Strike(entry.Id);
                    }

                    outbox.Requeue(entry);
                    RaiseFailedConnection(result.Connection);
                    break;
            }
        }
        finally
        {
            try
            {
                slots.Release();
            }
            catch (ObjectDisposedException)
            {
                // The loop has already stopped; the record was returned or acknowledged above.
            }
        }
    }

    /// <summary>
    /// Counts a refusal; true when this record was refused often enough, the broker confirmed other
    /// records since its first refusal, and its refusals single it out (at most two records refused
    /// since the last confirmation). When the broker refuses everything (a wrong ACL, a quota)
    /// nothing is dead-lettered: the loop backs off instead.
    /// </summary>
    private bool IsPoison(long id)
    {
        var confirmations = Interlocked.Read(ref _confirmations);
        lock (_suspectsGate)
        {
            _refusedSinceConfirm.Add(id);
            var suspect = _suspects.TryGetValue(id, out var known) ? known : new Suspect(0, 0, confirmations);
            suspect = suspect with { Refusals = suspect.Refusals + 1 };
            _suspects[id] = suspect;
            return suspect.Refusals >= refusalsBeforeDeadLetter
                && confirmations > suspect.ConfirmationsAtFirstRefusal
                && _refusedSinceConfirm.Count <= MaxSingledOut;
        }
    }

    private bool RefusesEverything()
    {
        lock (_suspectsGate)
        {
            return _refusedSinceConfirm.Count > MaxSingledOut;
        }
    }

    private async Task ReturnLaterAsync(OutboxEntry entry, TimeSpan delay)
    {
        try
        {
            await Task.Delay(delay, time).ConfigureAwait(false);
        }
        finally
        {
            outbox.Requeue(entry);
        }
    }

    /// <summary>Counts a link drop with this record in flight; returns the drops so far.</summary>
    private int Strike(long id)
    {
        lock (_suspectsGate)
        {
            var suspect = _suspects.TryGetValue(id, out var known) ? known : new Suspect(0, 0, Interlocked.Read(ref _confirmations));
            suspect = suspect with { Drops = suspect.Drops + 1 };
            _suspects[id] = suspect;
            return suspect.Drops;
        }
    }

    private bool IsSuspect(long id)
    {
        lock (_suspectsGate)
        {
            return _suspects.TryGetValue(id, out var suspect) && suspect.Drops >= DropsBeforeSolo;
        }
    }

    private void Forgive(long id, bool confirmed = false)
    {
        lock (_suspectsGate)
        {
            if (_suspects.Count > 0)
            {
                _suspects.Remove(id);
            }

            if (confirmed && _refusedSinceConfirm.Count > 0)
            {
                _refusedSinceConfirm.Clear();
            }
        }
    }

    private async Task ParkAsync(OutboxEntry entry, string reason)
    {
        Forgive(entry.Id);
        try
        {
            outbox.DeadLetter(entry, reason);
        }
        catch (IOException ex)
        {
            // Could not park it (disk): keep it queued; it will be tried again.
            Log.DeadLetterFailed(logger, entry.Id, ex.Message);
            outbox.Requeue(entry);
            return;
        }

        Interlocked.Increment(ref _deadLettered);
        Volatile.Write(ref _lastError, reason);
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["class"] = ClassName(entry.Class),
            ["record"] = entry.Id.ToString(CultureInfo.InvariantCulture),
            ["reason"] = reason.Length > AlertLimits.MaxStringLength ? reason[..AlertLimits.MaxStringLength] : reason,
        };
        if (entry.AlertId is { } alertId)
        {
            attributes["alert_id"] = alertId.ToString("D");
        }

        try
        {
            await alerts.PublishAsync(new AlertDraft(AlertKinds.OutboxDeadLetter, AlertSeverity.Major, AlertState.Raised, attributes), CancellationToken.None)
                .ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            Log.DeadLetterFailed(logger, entry.Id, ex.Message);
        }
    }

    /// <summary>Raises <c>storage_full</c> upstream when the disk fills, and clears it when it has room again.</summary>
    private async Task ReportStorageAsync(CancellationToken cancellationToken)
    {
        var full = outbox.StorageFull;
        if (full == _reportedFull)
        {
            return;
        }

        var stats = outbox.GetStats();
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["queued_bytes"] = stats.QueuedBytes.ToString(CultureInfo.InvariantCulture),
            ["capacity_bytes"] = Math.Min(stats.CapacityBytes, stats.BudgetBytes).ToString(CultureInfo.InvariantCulture),
            ["depth"] = stats.TotalDepth.ToString(CultureInfo.InvariantCulture),
        };
        try
        {
            await alerts.PublishAsync(
                new AlertDraft(AlertKinds.StorageFull, AlertSeverity.Major, full ? AlertState.Raised : AlertState.Cleared, attributes), cancellationToken)
                .ConfigureAwait(false);
            _reportedFull = full;
        }
        catch (IOException ex)
        {
            // The disk is full enough that even this alert was refused; try again on the next round.
            Log.DeadLetterFailed(logger, 0, ex.Message);
        }
    }

    private void RaiseFailedConnection(int connection)
    {
        var seen = Volatile.Read(ref _failedConnection);
        while (connection > seen)
        {
            var previous = Interlocked.CompareExchange(ref _failedConnection, connection, seen);
            if (previous == seen)
            {
                return;
            }

            seen = previous;
        }
    }

    private async Task WaitOutRefusalAsync(CancellationToken cancellationToken)
    {
        var wait = Interlocked.Read(ref _retryAtMs) - time.GetUtcNow().ToUnixTimeMilliseconds();
        if (wait > 0)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(wait), time, cancellationToken).ConfigureAwait(false);
        }
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
                attributes[ClassName(messageClass)] = counts[(int)messageClass].ToString(CultureInfo.InvariantCulture);
            }
        }

        var severity = counts[(int)OutboxClass.Alarm] > 0 ? AlertSeverity.Critical : AlertSeverity.Warning;
        var alert = await alerts.PublishAsync(new AlertDraft(AlertKinds.OutboxEvicted, severity, AlertState.Raised, attributes), cancellationToken)
            .ConfigureAwait(false);
        outbox.MarkEvictionsReported(counts);
        Log.EvictionsReported(logger, total, alert.Id);
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
                ["reason"] = report.Reason.Length > AlertLimits.MaxStringLength ? report.Reason[..AlertLimits.MaxStringLength] : report.Reason,
            };
            var alert = await alerts.PublishAsync(
                new AlertDraft(AlertKinds.OutboxQuarantined, AlertSeverity.Major, AlertState.Raised, attributes), cancellationToken)
                .ConfigureAwait(false);
            outbox.MarkQuarantineReported(report);
            Log.QuarantineReported(logger, report.QuarantinedAs, alert.Id);
        }
    }

    public static string ClassName(OutboxClass messageClass) => messageClass switch
    {
        OutboxClass.Alarm => "alarm",
        OutboxClass.Status => "status",
        OutboxClass.Snapshot => "snapshot",
        _ => "telemetry",
    };

    /// <summary>
    /// A token that cancels when the loop stops or when the idle interval has passed; in the second
    /// case <see cref="Passed"/> starts a new interval. A busy loop allocates nothing per record.
    /// </summary>
    private sealed class IdleWake : IDisposable
    {
        private readonly TimeSpan _interval;
        private readonly TimeProvider _time;
        private readonly CancellationToken _stopping;
        private CancellationTokenSource _timer;
        private CancellationTokenSource _linked;

        public IdleWake(TimeSpan interval, TimeProvider time, CancellationToken stopping)
        {
            _interval = interval;
            _time = time;
            _stopping = stopping;
            (_timer, _linked) = Start();
        }

        public CancellationToken Token => _linked.Token;

        /// <summary>True when the wait ended because the interval passed (not because the loop stops); starts the next interval.</summary>
        public bool Passed(CancellationToken cancellationToken)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return false;
            }

            Dispose();
            (_timer, _linked) = Start();
            return true;
        }

        public void Dispose()
        {
            _linked.Dispose();
            _timer.Dispose();
        }

        private (CancellationTokenSource Timer, CancellationTokenSource Linked) Start()
        {
            var timer = new CancellationTokenSource(_interval, _time);
            return (timer, CancellationTokenSource.CreateLinkedTokenSource(_stopping, timer.Token));
        }
    }

    private readonly record struct Suspect(int Refusals, int Drops, long ConfirmationsAtFirstRefusal);

    private static partial class Log
    {
        [LoggerMessage(EventId = CoreLogEvents.ForwarderRefused, Level = LogLevel.Warning, Message = "Broker refused {Class} record {Id}: {Reason}; kept, retrying in {Seconds:F1} s")]
        public static partial void Refused(ILogger logger, OutboxClass @class, long id, string reason, double seconds);

        [LoggerMessage(EventId = CoreLogEvents.ForwarderEvictionsReported, Level = LogLevel.Warning, Message = "Reported {Count} outbox evictions upstream as alert {AlertId}")]
        public static partial void EvictionsReported(ILogger logger, long count, Guid alertId);

        [LoggerMessage(EventId = CoreLogEvents.ForwarderDeadLetterFailed, Level = LogLevel.Warning, Message = "Could not publish an outbox notice for record {Id}: {Error}; trying again later")]
        public static partial void DeadLetterFailed(ILogger logger, long id, string error);

        [LoggerMessage(EventId = CoreLogEvents.ForwarderQuarantineReported, Level = LogLevel.Warning, Message = "Reported quarantined store file {File} upstream as alert {AlertId}")]
        public static partial void QuarantineReported(ILogger logger, string file, Guid alertId);
    }
}
