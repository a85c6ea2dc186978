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
/// reports quarantined store files.
/// </summary>
/// <remarks>
/// <para>
/// Poison: a record is moved to dead letters, reported as <c>outbox_dead_letter</c> and never
/// blocks the records behind it when
/// </para>
/// <list type="bullet">
/// <item>the broker refuses it once (a non-success PUBACK) and confirms a record sent after it, which
/// shows the refusal is about this record and not about the broker; while that answer is pending the
/// record is held aside and the records behind it go on. A broker that refuses more than two records
/// in a row without confirming one after them refuses everything (an ACL mistake, a quota): nothing
/// is dead-lettered then, the loop holds everything back with backoff;</item>
/// <item>or the connection drops twice while it is the oldest record not yet confirmed, the second
/// time with it alone on the wire (after the first drop it is sent alone, so a drop that follows is
/// its doing).</item>
/// </list>
/// <para>
/// A dead letter's notice is kept in the outbox's saved counters until it is itself durable in the
/// outbox, which then sends it until the broker confirms it; a notice that could not be queued (a
/// full disk) is tried again on the next connection, every 10 s, and after a restart. A full disk is
/// raised and cleared upstream as <c>storage_full</c>.
/// </para>
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "Its SemaphoreSlim never allocates a wait handle (only WaitAsync is used), so there is nothing to dispose.")]
public sealed partial class OutboxForwarder(
    IOutboxReader outbox,
    IUplinkTransport transport,
    IAlertSink alerts,
    TimeProvider time,
    ILogger<OutboxForwarder> logger,
    int window = 256)
{
    /// <summary>Drops with the record the oldest unconfirmed before it is dead-lettered (the last of them with it alone on the wire).</summary>
    public const int DropsBeforeDeadLetter = 2;

    /// <summary>Records refused in a row, with no record sent after them confirmed, up to which the refusals single them out as poison.</summary>
    public const int MaxSingledOut = 2;

    private static readonly TimeSpan EvictionReportInterval = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan NoticeRetryInterval = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan MaxRefusalBackoff = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan StorageReportRetry = TimeSpan.FromMilliseconds(250);

    private int _failedConnection;
    private int _refusals;
    private int _throttles;
    private long _retryAtMs;
    private long _sent;
    private string? _lastError;
    private long _deadLettered;
    private bool _reportedFull;
    private long _storageRetryAtMs;
    private bool _storageReportFailing;
    private Dictionary<string, string>? _fullSeen;
    private long _tickets;
    private long _maxConfirmedTicket;
    private int _noticesTriedOn;
    private long _noticesTriedAtMs = long.MinValue;
    private readonly SemaphoreSlim _noticeGate = new(1, 1);
    private readonly Lock _suspectsGate = new();
    private readonly Dictionary<long, Held> _held = [];
    private readonly Dictionary<long, int> _drops = [];
    private DropCandidate? _dropCandidate;
    private int _judgedConnection;

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
    /// <param name="idleInterval">How long the loop may wait before it turns anyway (at most 10 s, so unreported notices are retried).</param>
    /// <param name="cancellationToken">Stops the loop.</param>
    public async Task RunAsync(Action? progress, TimeSpan idleInterval, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 1);
        await ReportQuarantinesAsync(cancellationToken).ConfigureAwait(false);
        await ReportDeadLettersAsync(0, cancellationToken).ConfigureAwait(false);
        using var slots = new SemaphoreSlim(window, window);
        // The loop turns at least every NoticeRetryInterval, so a notice that could not be queued is tried again while idle.
        var turnEvery = idleInterval == Timeout.InfiniteTimeSpan || idleInterval > NoticeRetryInterval ? NoticeRetryInterval : idleInterval;
        using var idle = new IdleWake(turnEvery, time, cancellationToken);
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

                JudgeDrops(connection);
                var nowMs = time.GetUtcNow().ToUnixTimeMilliseconds();
                if (outbox.HasUnreportedEvictions
                    && (connection != reportedOn || nowMs - lastReportMs >= (long)EvictionReportInterval.TotalMilliseconds))
                {
                    reportedOn = connection;
                    lastReportMs = nowMs;
                    await ReportEvictionsAsync(cancellationToken).ConfigureAwait(false);
                }

                if (outbox.HasUnreportedDeadLetters
                    && (connection != Volatile.Read(ref _noticesTriedOn)
                        || nowMs - Interlocked.Read(ref _noticesTriedAtMs) >= (long)NoticeRetryInterval.TotalMilliseconds))
                {
                    await ReportDeadLettersAsync(connection, cancellationToken).ConfigureAwait(false);
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
                    // The link dropped with this record the oldest unconfirmed: send it alone, to tell whether it is the cause.
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
                        await SendOneAsync(entry, payload, NextTicket(), slots, solo: true, CancellationToken.None).ConfigureAwait(false);
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
                _ = SendOneAsync(entry, payload, NextTicket(), slots, solo: false, CancellationToken.None);
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

    /// <summary>Send order: the broker answers a connection's sends in this order (MQTT acknowledges QoS 1 in order).</summary>
    private long NextTicket() => Interlocked.Increment(ref _tickets);

    private async Task SendOneAsync(OutboxEntry entry, ReadOnlyMemory<byte> payload, long ticket, SemaphoreSlim slots, bool solo, CancellationToken cancellationToken)
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
                    Interlocked.Exchange(ref _throttles, 0);
                    foreach (var condemned in Confirmed(entry.Id, ticket))
                    {
                        await ParkAsync(condemned.Entry, $"refused by the broker: {condemned.Reason}", result.Connection).ConfigureAwait(false);
                    }

                    break;
                case UplinkSendOutcome.Refused:
                    await RefusedAsync(entry, ticket, result.Reason ?? "no reason given", result.Connection).ConfigureAwait(false);
                    break;
                case UplinkSendOutcome.LinkFailed when result.Reason is "stopping" or "not connected":
                    outbox.Requeue(entry);
                    RaiseFailedConnection(result.Connection);
                    break;
                case UplinkSendOutcome.LinkFailed when solo:
                    // Alone on the wire: the drop followed this record and nothing else.
                    RaiseFailedConnection(result.Connection);
                    if (Strike(entry.Id) >= DropsBeforeDeadLetter)
                    {
                        await ParkAsync(entry, $"the connection dropped {DropsBeforeDeadLetter} times right after sending it, the last time with nothing else in flight: {result.Reason ?? "no reason given"}", result.Connection)
                            .ConfigureAwait(false);
                    }
                    else
                    {
                        outbox.Requeue(entry);
                    }

                    break;
                default:
                    NoteDrop(result.Connection, ticket, entry.Id);
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
    /// A record sent after the held ones was confirmed: the broker takes records, so it is the held
    /// records it refuses. Returns those to dead-letter.
    /// </summary>
    private List<Held> Confirmed(long id, long ticket)
    {
        lock (_suspectsGate)
        {
            _drops.Remove(id);
            _maxConfirmedTicket = Math.Max(_maxConfirmedTicket, ticket);
            if (_held.Count == 0)
            {
                return [];
            }

            var condemned = _held.Values.Where(h => h.Ticket < ticket).ToList();
            foreach (var held in condemned)
            {
                _held.Remove(held.Entry.Id);
            }

            return condemned;
        }
    }

    private async Task RefusedAsync(OutboxEntry entry, long ticket, string reason, int connection)
    {
        Volatile.Write(ref _lastError, reason);
        var attempt = Interlocked.Increment(ref _refusals);
        var delay = Backoff.Delay(attempt, TimeSpan.FromSeconds(1), MaxRefusalBackoff, Random.Shared.NextDouble());
        List<Held>? released = null;
        bool poison;
        lock (_suspectsGate)
        {
            // Already answered: a record sent after this one was confirmed.
            poison = ticket < _maxConfirmedTicket;
            if (!poison)
            {
                _held[entry.Id] = new Held(entry, ticket, reason);
                if (_held.Count > MaxSingledOut)
                {
                    released = [.. _held.Values];
                    _held.Clear();
                }
            }
        }

        if (poison)
        {
            await ParkAsync(entry, $"refused by the broker: {reason}", connection).ConfigureAwait(false);
            return;
        }

        if (released is not null)
        {
            // The broker refuses whatever it gets (an ACL, a quota): hold everything back, dead-letter nothing.
            delay = Backoff.Delay(Interlocked.Increment(ref _throttles), TimeSpan.FromSeconds(1), MaxRefusalBackoff, Random.Shared.NextDouble());
            Interlocked.Exchange(ref _retryAtMs, time.GetUtcNow().Add(delay).ToUnixTimeMilliseconds());
            foreach (var held in released)
            {
                outbox.Requeue(held.Entry);
            }

            Log.RefusedEverything(logger, released.Count, reason, delay.TotalSeconds);
            return;
        }

        // Held aside while the records behind it show whether the broker takes others; sent again
        // after the backoff if no answer comes (nothing else to send, or the link dropped).
        _ = ReleaseLaterAsync(entry.Id, ticket, delay);
        Log.Refused(logger, entry.Class, entry.Id, reason, delay.TotalSeconds);
    }

    private async Task ReleaseLaterAsync(long id, long ticket, TimeSpan delay)
    {
        try
        {
            await Task.Delay(delay, time).ConfigureAwait(false);
        }
        finally
        {
            Held? held = null;
            lock (_suspectsGate)
            {
                if (_held.TryGetValue(id, out var found) && found.Ticket == ticket)
                {
                    _held.Remove(id);
                    held = found;
                }
            }

            if (held is not null)
            {
                outbox.Requeue(held.Entry);
            }
        }
    }

    /// <summary>
    /// Notes a record the link dropped before confirming. Of one connection's dropped records, the
    /// one sent first is the oldest the broker had not confirmed when the link went: the one whose
    /// PUBLISH the drop followed. It gets the strike, once the connection is judged.
    /// </summary>
    private void NoteDrop(int connection, long ticket, long id)
    {
        if (connection <= 0)
        {
            return;
        }

        lock (_suspectsGate)
        {
            if (connection <= _judgedConnection)
            {
                return;
            }

            if (_dropCandidate is { } candidate && candidate.Connection != connection)
            {
                JudgeLocked(candidate);
            }

            if (_dropCandidate is not { } current || current.Connection != connection || ticket < current.Ticket)
            {
                _dropCandidate = new DropCandidate(connection, ticket, id);
            }
        }
    }

    /// <summary>On a newer connection, every record of the dropped one has come back: strike the oldest.</summary>
    private void JudgeDrops(int connection)
    {
        lock (_suspectsGate)
        {
            if (_dropCandidate is { } candidate && candidate.Connection < connection)
            {
                JudgeLocked(candidate);
            }
        }
    }

    private void JudgeLocked(DropCandidate candidate)
    {
        _drops[candidate.Id] = _drops.GetValueOrDefault(candidate.Id) + 1;
        _judgedConnection = Math.Max(_judgedConnection, candidate.Connection);
        _dropCandidate = null;
    }

    /// <summary>Counts a drop with this record alone on the wire; returns its drops so far.</summary>
    private int Strike(long id)
    {
        lock (_suspectsGate)
        {
            var drops = _drops.GetValueOrDefault(id) + 1;
            _drops[id] = drops;
            return drops;
        }
    }

    private bool IsSuspect(long id)
    {
        lock (_suspectsGate)
        {
            return _drops.Count > 0 && _drops.GetValueOrDefault(id) >= DropsBeforeDeadLetter - 1;
        }
    }

    private async Task ParkAsync(OutboxEntry entry, string reason, int connection)
    {
        lock (_suspectsGate)
        {
            _drops.Remove(entry.Id);
        }

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
        await ReportDeadLettersAsync(connection, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>
    /// Puts an <c>outbox_dead_letter</c> notice in the outbox for each dead letter not yet reported,
    /// and marks it reported once it is durable there. One that cannot be queued (a full disk) stays
    /// in the saved counters and is tried again later.
    /// </summary>
    /// <param name="connection">The connection this attempt is made on (null: no new connection).</param>
    private async Task ReportDeadLettersAsync(int? connection, CancellationToken cancellationToken)
    {
        await _noticeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (connection is { } current)
            {
                Volatile.Write(ref _noticesTriedOn, current);
            }

            Interlocked.Exchange(ref _noticesTriedAtMs, time.GetUtcNow().ToUnixTimeMilliseconds());
            foreach (var report in outbox.PeekUnreportedDeadLetters())
            {
                var attributes = new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    ["class"] = ClassName(report.Class),
                    ["record"] = report.Record.ToString(CultureInfo.InvariantCulture),
                    ["reason"] = report.Reason.Length > AlertLimits.MaxStringLength ? report.Reason[..AlertLimits.MaxStringLength] : report.Reason,
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
                    Log.DeadLetterFailed(logger, report.Record, ex.Message);
                    return;
                }

                outbox.MarkDeadLetterReported(report);
                Log.DeadLetterReported(logger, report.Record, notice.Id);
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
            var stats = outbox.GetStats();
            _fullSeen = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["queued_bytes"] = stats.QueuedBytes.ToString(CultureInfo.InvariantCulture),
                ["capacity_bytes"] = Math.Min(stats.CapacityBytes, stats.BudgetBytes).ToString(CultureInfo.InvariantCulture),
                ["depth"] = stats.TotalDepth.ToString(CultureInfo.InvariantCulture),
            };
        }

        var raise = !_reportedFull && _fullSeen is not null;
        var clear = _reportedFull && !full;
        if ((!raise && !clear) || time.GetUtcNow().ToUnixTimeMilliseconds() < _storageRetryAtMs)
        {
            return;
        }

        Dictionary<string, string> attributes;
        if (raise)
        {
            attributes = _fullSeen!;
        }
        else
        {
            var stats = outbox.GetStats();
            attributes = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["queued_bytes"] = stats.QueuedBytes.ToString(CultureInfo.InvariantCulture),
                ["capacity_bytes"] = Math.Min(stats.CapacityBytes, stats.BudgetBytes).ToString(CultureInfo.InvariantCulture),
                ["depth"] = stats.TotalDepth.ToString(CultureInfo.InvariantCulture),
            };
        }

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
                Log.StorageReportFailed(logger, raise ? "raised" : "cleared", ex.Message);
            }
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

    private sealed record Held(OutboxEntry Entry, long Ticket, string Reason);

    private readonly record struct DropCandidate(int Connection, long Ticket, long Id);

    private static partial class Log
    {
        [LoggerMessage(EventId = CoreLogEvents.ForwarderRefused, Level = LogLevel.Warning, Message = "Broker refused {Class} record {Id}: {Reason}; held aside while the records behind it go on: dead-lettered if the broker takes one sent after it, else sent again in {Seconds:F1} s")]
        public static partial void Refused(ILogger logger, OutboxClass @class, long id, string reason, double seconds);

        [LoggerMessage(EventId = CoreLogEvents.ForwarderEvictionsReported, Level = LogLevel.Warning, Message = "Reported {Count} outbox evictions upstream as alert {AlertId}")]
        public static partial void EvictionsReported(ILogger logger, long count, Guid alertId);

        [LoggerMessage(EventId = CoreLogEvents.ForwarderDeadLetterFailed, Level = LogLevel.Warning, Message = "Could not publish an outbox notice for record {Id}: {Error}; trying again later")]
        public static partial void DeadLetterFailed(ILogger logger, long id, string error);

        [LoggerMessage(EventId = CoreLogEvents.ForwarderRefusedEverything, Level = LogLevel.Warning, Message = "Broker refused {Count} records in a row and confirmed none sent after them ({Reason}): it refuses everything (check its ACL and quotas); nothing dead-lettered, holding everything back for {Seconds:F1} s")]
        public static partial void RefusedEverything(ILogger logger, int count, string reason, double seconds);

        [LoggerMessage(EventId = CoreLogEvents.ForwarderStorageReportFailed, Level = LogLevel.Warning, Message = "Could not queue storage_full ({State}) upstream: {Error}; trying again every 250 ms until deliveries make room")]
        public static partial void StorageReportFailed(ILogger logger, string state, string error);

        [LoggerMessage(EventId = CoreLogEvents.ForwarderDeadLetterReported, Level = LogLevel.Warning, Message = "Reported dead letter {Id} upstream as alert {AlertId}")]
        public static partial void DeadLetterReported(ILogger logger, long id, Guid alertId);

        [LoggerMessage(EventId = CoreLogEvents.ForwarderQuarantineReported, Level = LogLevel.Warning, Message = "Reported quarantined store file {File} upstream as alert {AlertId}")]
        public static partial void QuarantineReported(ILogger logger, string file, Guid alertId);
    }
}
