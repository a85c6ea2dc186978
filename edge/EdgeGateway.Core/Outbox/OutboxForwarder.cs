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
public sealed partial class OutboxForwarder(
    DurableOutbox outbox,
    IUplinkTransport transport,
    IAlertSink alerts,
    TimeProvider time,
    ILogger<OutboxForwarder> logger,
    int window = 256)
{
    private static readonly TimeSpan EvictionReportInterval = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan MaxRefusalBackoff = TimeSpan.FromSeconds(30);

    private int _failedConnection;
    private int _refusals;
    private long _retryAtMs;
    private long _sent;
    private string? _lastError;

    /// <summary>Records confirmed by the far end since start.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    public string? LastError => Volatile.Read(ref _lastError);

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

                // Not cancelled on stop: a send already on the wire may finish, so its record is not sent twice.
                _ = SendOneAsync(entry, payload, slots, CancellationToken.None);
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

    private async Task SendOneAsync(OutboxEntry entry, ReadOnlyMemory<byte> payload, SemaphoreSlim slots, CancellationToken cancellationToken)
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
                    break;
                case UplinkSendOutcome.Refused:
                    outbox.Return(entry);
                    Volatile.Write(ref _lastError, result.Reason);
                    var attempt = Interlocked.Increment(ref _refusals);
                    var delay = Backoff.Delay(attempt, TimeSpan.FromSeconds(1), MaxRefusalBackoff, Random.Shared.NextDouble());
                    Interlocked.Exchange(ref _retryAtMs, time.GetUtcNow().Add(delay).ToUnixTimeMilliseconds());
                    Log.Refused(logger, entry.Class, entry.Id, result.Reason ?? "unknown", delay.TotalSeconds);
                    break;
                default:
                    outbox.Return(entry);
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

    private static partial class Log
    {
        [LoggerMessage(EventId = CoreLogEvents.ForwarderRefused, Level = LogLevel.Warning, Message = "Broker refused {Class} record {Id}: {Reason}; kept, retrying in {Seconds:F1} s")]
        public static partial void Refused(ILogger logger, OutboxClass @class, long id, string reason, double seconds);

        [LoggerMessage(EventId = CoreLogEvents.ForwarderEvictionsReported, Level = LogLevel.Warning, Message = "Reported {Count} outbox evictions upstream as alert {AlertId}")]
        public static partial void EvictionsReported(ILogger logger, long count, Guid alertId);

        [LoggerMessage(EventId = CoreLogEvents.ForwarderQuarantineReported, Level = LogLevel.Warning, Message = "Reported quarantined store file {File} upstream as alert {AlertId}")]
        public static partial void QuarantineReported(ILogger logger, string file, Guid alertId);
    }
}
