using EdgeGateway.Core.Alerts;
using Microsoft.Extensions.Logging;
using EdgeGateway.Supervision.Retry;

namespace EdgeGateway.Core.Outbox;

/// <summary>
/// The send loop: takes records from the outbox (highest class first, oldest first within a
/// class), keeps up to <c>window</c> of them in flight on the transport, and removes each one
/// only when the transport confirmed it. Unconfirmed records go back in place and are sent again
/// on the next connection.
/// </summary>
/// <remarks>
/// Which records are poison (moved to dead letters so they never block the records behind them) is
/// <see cref="PoisonJudge"/>'s to say; the loop holds a refused record aside, sends a suspect alone
/// and backs off from a broker that refuses everything, as it answers. What the box reports upstream
/// about its outbox (dead letters, <c>storage_full</c>, evictions, quarantines) is
/// <see cref="IOutboxNotices"/>'s; the loop only tells it when it starts, turns and parks a record.
/// </remarks>
public sealed class OutboxForwarder(
    IOutboxReader outbox,
    IUplinkTransport transport,
    IOutboxNotices notices,
    TimeProvider time,
    ILogger<OutboxForwarder> logger,
    int window = 256)
{
    /// <summary>Holding sends back after a refusal: 1 s doubling to 30 s, jittered.</summary>
    private static readonly RetryPolicy RefusalBackoff = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), jitter: true);

    private readonly PoisonJudge _judge = new();
    private int _failedConnection;
    private int _refusals;
    private int _throttles;
    private long _retryAtMs;
    private long _sent;
    private string? _lastError;
    private long _deadLettered;

    /// <summary>The send loop with the outbox's own notices published through <paramref name="alerts"/>.</summary>
    public OutboxForwarder(DurableOutbox outbox, IUplinkTransport transport, IAlertSink alerts, TimeProvider time, ILogger<OutboxForwarder> logger, int window = 256)
        : this(outbox, transport, new OutboxNotices(outbox, alerts, time, logger), time, logger, window)
    {
    }

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
        await notices.StartAsync(cancellationToken).ConfigureAwait(false);
        using var slots = new SemaphoreSlim(window, window);
        // The loop turns at least every RetryInterval, so a notice that could not be queued is tried again while idle.
        var retry = notices.RetryInterval;
        var turnEvery = idleInterval == Timeout.InfiniteTimeSpan || idleInterval > retry ? retry : idleInterval;
        using var idle = new IdleWake(turnEvery, time, cancellationToken);
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

                _judge.NewConnection(connection);
                await notices.ConnectedAsync(connection, cancellationToken).ConfigureAwait(false);
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

                if (_judge.MustSendAlone(entry.Id))
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
                        await SendOneAsync(entry, payload, _judge.NextTicket(), slots, solo: true, CancellationToken.None).ConfigureAwait(false);
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
                _ = SendOneAsync(entry, payload, _judge.NextTicket(), slots, solo: false, CancellationToken.None);
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
                    foreach (var condemned in _judge.Confirmed(entry.Id, ticket))
                    {
                        await ParkAsync(condemned, result.Connection).ConfigureAwait(false);
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
                    if (_judge.DroppedAlone(entry, result.Reason ?? "no reason given") is { } verdict)
                    {
                        await ParkAsync(verdict, result.Connection).ConfigureAwait(false);
                    }
                    else
                    {
                        outbox.Requeue(entry);
                    }

                    break;
                default:
                    _judge.Dropped(result.Connection, ticket, entry.Id);
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

    private async Task RefusedAsync(OutboxEntry entry, long ticket, string reason, int connection)
    {
        Volatile.Write(ref _lastError, reason);
        var attempt = Interlocked.Increment(ref _refusals);
        var delay = RefusalBackoff.Delay(attempt);
        var verdict = _judge.Refused(entry, ticket, reason);
        switch (verdict.Kind)
        {
            case RefusalKind.Poison:
                await ParkAsync(new PoisonVerdict(entry, verdict.Reason!), connection).ConfigureAwait(false);
                return;
            case RefusalKind.RefusesEverything:
                // The broker refuses whatever it gets (an ACL, a quota): hold everything back, dead-letter nothing.
                delay = RefusalBackoff.Delay(Interlocked.Increment(ref _throttles));
                Interlocked.Exchange(ref _retryAtMs, time.GetUtcNow().Add(delay).ToUnixTimeMilliseconds());
                foreach (var held in verdict.Released)
                {
                    outbox.Requeue(held);
                }

                OutboxForwarderLog.RefusedEverything(logger, verdict.Released.Count, reason, delay.TotalSeconds);
                return;
            default:
                // Held aside while the records behind it show whether the broker takes others; sent again
                // after the backoff if no answer comes (nothing else to send, or the link dropped).
                _ = ReleaseLaterAsync(entry.Id, ticket, delay);
                OutboxForwarderLog.Refused(logger, entry.Class, entry.Id, reason, delay.TotalSeconds);
                return;
        }
    }

    private async Task ReleaseLaterAsync(long id, long ticket, TimeSpan delay)
    {
        try
        {
            await Task.Delay(delay, time).ConfigureAwait(false);
        }
        finally
        {
            if (_judge.Release(id, ticket) is { } held)
            {
                outbox.Requeue(held);
            }
        }
    }

    private async Task ParkAsync(PoisonVerdict verdict, int connection)
    {
        var entry = verdict.Entry;
        _judge.Forget(entry.Id);
        try
        {
            outbox.DeadLetter(entry, verdict.Reason);
        }
        catch (IOException ex)
        {
            // Could not park it (disk): keep it queued; it will be tried again.
            OutboxForwarderLog.DeadLetterFailed(logger, entry.Id, ex.Message);
            outbox.Requeue(entry);
            return;
        }

        Interlocked.Increment(ref _deadLettered);
        Volatile.Write(ref _lastError, verdict.Reason);
        await notices.DeadLetteredAsync(connection).ConfigureAwait(false);
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
}
