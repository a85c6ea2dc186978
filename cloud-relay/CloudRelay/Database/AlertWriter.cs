using System.Threading.Channels;
using CloudRelay.Settings;
using EdgeGateway.Contracts;
using EdgeGateway.Supervision.Progress;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CloudRelay.Database;

/// <summary>
/// Group commit: ingest hands each alert over and awaits its own completion; a writer loop drains everything
/// waiting into one transaction, so a burst from many devices costs one fsync instead of one each.
/// A completion of <c>true</c> means newly stored, <c>false</c> a duplicate; a failed commit faults every
/// waiter of that batch, and the caller must not acknowledge.
/// </summary>
/// <remarks>
/// PostgreSQL takes several batches at once, one writer loop each. A device always goes to the same loop: its
/// alerts then get positions in the order they arrived (two loops could otherwise commit a device's later alert
/// first), and two loops never lock the same device row or wait on the same duplicate id, so they cannot deadlock.
/// </remarks>
public sealed partial class AlertWriter : BackgroundService
{
    private const int MaxBatch = 2048;
    private static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(1);

    private const int QueueCapacity = 50_000;

    /// <summary>How long a writer loop may go without a turn (a commit, or an idle wake-up) before the watchdog calls it stalled.</summary>
    public static readonly TimeSpan LoopDeadline = TimeSpan.FromSeconds(60);

    private readonly Channel<Pending>[] _queues;

    private readonly IRelayStore _store;
    private readonly RelayAlertFeed _feed;
    private readonly Ingest.RelayCounters _counters;
    private readonly TimeProvider _time;
    private readonly ILogger<AlertWriter> _logger;
    private readonly bool _forward;
    private readonly ProgressRegistry? _progress;

    /// <param name="progress">When given, each writer loop beats a heartbeat (<c>store writer</c>) there while it runs.</param>
    public AlertWriter(
        IRelayStore store,
        RelayAlertFeed feed,
        Ingest.RelayCounters counters,
        TimeProvider time,
        IOptions<RelayOptions> options,
        ILogger<AlertWriter> logger,
        ProgressRegistry? progress = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _feed = feed;
        _counters = counters;
        _time = time;
        _logger = logger;
        _progress = progress;
        _forward = !string.IsNullOrWhiteSpace(options.Value.Webhook.Url);
        // SQLite has one writer; PostgreSQL takes a few batches at once.
        var writers = store.Kind == "sqlite" ? 1 : 4;
        _queues = [.. Enumerable.Range(0, writers).Select(_ => Channel.CreateBounded<Pending>(new BoundedChannelOptions(QueueCapacity / writers)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = false,
        }))];
    }

    /// <summary>Waits until the alert is durable. True if it was new, false if its id was already stored.</summary>
    public async Task<bool> StoreAsync(Alert alert, CancellationToken cancellationToken)
    {
        var stored = await EnqueueAsync(alert, cancellationToken);
        return await stored.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Queues the alert for the next commit and returns once it is queued (waiting while the queue is full);
    /// the returned task completes when it is durable, as in <see cref="StoreAsync"/>. Alerts queued one after
    /// another are stored in that order.
    /// </summary>
    public async ValueTask<Task<bool>> EnqueueAsync(Alert alert, CancellationToken cancellationToken)
    {
        // Continuations run on the pool, never on the writer: a device's slow socket must not hold up a commit.
        var pending = new Pending(alert, new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously));
        await QueueOf(alert).Writer.WriteAsync(pending, cancellationToken);
        return pending.Done.Task;
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(_queues.Select((queue, i) => WriteLoopAsync(
            queue.Reader,
            _progress?.Register(_queues.Length == 1 ? "store writer" : $"store writer {i + 1}", LoopDeadline),
            stoppingToken)));

    private Channel<Pending> QueueOf(Alert alert) =>
        _queues.Length == 1
            ? _queues[0]
            : _queues[(uint)HashCode.Combine(StringComparer.Ordinal.GetHashCode(alert.SiteId), StringComparer.Ordinal.GetHashCode(alert.DeviceId)) % (uint)_queues.Length];

    private async Task WriteLoopAsync(ChannelReader<Pending> queue, Heartbeat? heartbeat, CancellationToken stoppingToken)
    {
        using var beat = heartbeat;
        var batch = new List<Pending>(MaxBatch);
        var alerts = new List<Alert>(MaxBatch);
        var previous = 0;
        try
        {
            while (await WaitForWorkAsync(queue, heartbeat, stoppingToken))
            {
                heartbeat?.Beat();
                batch.Clear();
                alerts.Clear();
                Drain(queue, batch, alerts);
                if (batch.Count < previous / 2)
                {
                    // The devices of the last batch are sending their next alerts right now: a short wait
                    // lets them join this commit instead of each paying for a commit of their own.
                    await Task.Delay(Linger, _time, stoppingToken);
                    Drain(queue, batch, alerts);
                }

                previous = batch.Count;

                if (batch.Count > 0)
                {
                    await CommitAsync(batch, alerts, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: whatever is still queued was never acknowledged, so the devices resend it.
        }
        finally
        {
            foreach (var pending in batch)
            {
                pending.Done.TrySetCanceled(CancellationToken.None);
            }
        }
    }

    /// <summary>
    /// Waits for queued alerts; false once the queue is completed. While idle it beats the heartbeat
    /// every <see cref="Heartbeat.IdleInterval"/>.
    /// </summary>
    private async Task<bool> WaitForWorkAsync(ChannelReader<Pending> queue, Heartbeat? heartbeat, CancellationToken stoppingToken)
    {
        if (heartbeat is null)
        {
            return await queue.WaitToReadAsync(stoppingToken);
        }

        while (true)
        {
            heartbeat.Beat();
            if (queue.TryPeek(out _))
            {
                return true;
            }

            using var idle = new CancellationTokenSource(heartbeat.IdleInterval, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, idle.Token);
            try
            {
                return await queue.WaitToReadAsync(linked.Token);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                // Idle: nothing queued this interval.
            }
        }
    }

    private static void Drain(ChannelReader<Pending> queue, List<Pending> batch, List<Alert> alerts)
    {
        while (batch.Count < MaxBatch && queue.TryRead(out var pending))
        {
            batch.Add(pending);
            alerts.Add(pending.Alert);
        }
    }

    private async Task CommitAsync(List<Pending> batch, List<Alert> alerts, CancellationToken stoppingToken)
    {
        bool[] inserted;
        var receivedMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
        try
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            inserted = await _store.InsertAlertsAsync(alerts, receivedMs, _forward, stoppingToken);
            _counters.CountCommit(alerts.Count, System.Diagnostics.Stopwatch.GetTimestamp() - started);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.CommitFailed(_logger, batch.Count, _store.Kind, ex.Message);
            foreach (var pending in batch)
            {
                pending.Done.TrySetException(ex);
            }

            batch.Clear();
            return;
        }

        for (var i = 0; i < batch.Count; i++)
        {
            if (inserted[i])
            {
                _feed.Publish(new StoredAlert(0, batch[i].Alert, receivedMs));
            }

            batch[i].Done.TrySetResult(inserted[i]);
        }

        batch.Clear();
        if (_forward && inserted.Any(x => x))
        {
            _feed.SignalForward();
        }
    }

    private sealed record Pending(Alert Alert, TaskCompletionSource<bool> Done);

    private static partial class Log
    {
        [LoggerMessage(EventId = RelayLogEvents.WriterCommitFailed, Level = LogLevel.Error, Message = "Storing a batch of {Count} alerts in {Store} failed; none is acknowledged: {Error}")]
        public static partial void CommitFailed(ILogger logger, int count, string store, string error);
    }
}
