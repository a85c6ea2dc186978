using EdgeGateway.Core.Outbox;
using EdgeGateway.Uplink.Mqtt;
using Microsoft.Extensions.Hosting;

namespace EdgeGateway.Host.Health;

/// <summary>
/// Publishes the box's <see cref="Contracts.Telemetry.HealthReport"/> on <c>…/health</c> every
/// <c>Fleet:HealthInterval</c>, and at once when a camera goes down or comes back, the disk turns low or the link
/// reconnects. It goes past the outbox and below it: one report waits in memory (a newer one replaces it, so only the
/// latest is sent after a link comes back), and it goes only while no alarm is left in the outbox, so it never goes
/// ahead of one.
/// </summary>
internal sealed partial class HealthReporter(
    IHealthSource source, IHealthChannel channel, TimeSpan interval, TimeProvider time, ILogger<HealthReporter> logger) : BackgroundService
{
    /// <summary>How often the state is looked at (and a waiting report tried): a camera that drops is told within this.</summary>
    public static readonly TimeSpan CheckEvery = TimeSpan.FromSeconds(1);

    private HealthReadings? _previous;
    private HealthState? _state;
    private DateTimeOffset _due = DateTimeOffset.MinValue;
    private byte[]? _waiting;
    private long _built;
    private long _sent;

    /// <summary>Reports built since start (each replaces the one waiting, if any).</summary>
    public long Built => Interlocked.Read(ref _built);

    /// <summary>Reports the relay's broker confirmed.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>A report is built and not yet confirmed.</summary>
    public bool Waiting => Volatile.Read(ref _waiting) is not null;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await StepAsync(stoppingToken).ConfigureAwait(false);
                await Task.Delay(CheckEvery, time, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    /// <summary>One look: builds a report when one is due or the state changed, then sends the waiting one if it may go.</summary>
    public async Task StepAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var state = source.State();
        var changed = _state is { } before && state != before;
        if (changed)
        {
            var change = state.ChangeFrom(_state!);
            Log.StateChanged(logger, change);
        }

        if (changed || now >= _due)
        {
            Build(state);
            _due = now + interval;
        }

        if (Volatile.Read(ref _waiting) is not { } report || !channel.IsConnected || source.AlarmsWaiting() > 0)
        {
            return;
        }

        var result = await channel.PublishHealthAsync(report, cancellationToken).ConfigureAwait(false);
        if (result.Outcome == UplinkSendOutcome.Confirmed)
        {
            // Only this report: a newer one built meanwhile still waits.
            Interlocked.CompareExchange(ref _waiting, null, report);
            Interlocked.Increment(ref _sent);
        }
        else if (result.Outcome == UplinkSendOutcome.Refused)
        {
            // Tried again every second it would flood the log and the broker: the next report comes in its turn.
            Interlocked.CompareExchange(ref _waiting, null, report);
            Log.Refused(logger, result.Reason ?? "no reason given");
        }
    }

    /// <summary>Builds a report now and makes it the one waiting.</summary>
    public byte[] Build(HealthState state)
    {
        var readings = source.Read();
        var report = HealthReportBuilder.Build(readings, _previous).Encode();
        _previous = readings;
        _state = state;
        Volatile.Write(ref _waiting, report);
        Interlocked.Increment(ref _built);
        return report;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = HostLogEvents.HealthStateChanged, Level = LogLevel.Information, Message = "Health report sent at once: {Change}")]
        public static partial void StateChanged(ILogger logger, string change);

        [LoggerMessage(EventId = HostLogEvents.HealthReportRefused, Level = LogLevel.Warning, Message = "Health report refused by the broker ({Reason}); the next one is tried in its turn")]
        public static partial void Refused(ILogger logger, string reason);
    }
}
