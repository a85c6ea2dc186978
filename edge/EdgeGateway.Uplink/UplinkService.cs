using EdgeGateway.Core.Outbox;
using EdgeGateway.Supervision.Progress;
using EdgeGateway.Uplink.Mqtt;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.Uplink;

/// <summary>
/// Runs the uplink: the MQTT connection loop and the outbox send loop side by side. On stop the
/// send loop lets in-flight records finish, the link says offline, and every acknowledgement is
/// synced to disk.
/// </summary>
/// <remarks>
/// Its parts are resolved when it starts, not when it is constructed, so the host's options
/// validation reports every configuration problem first.
/// </remarks>
internal sealed partial class UplinkService(IServiceProvider services, TimeProvider time, ILogger<UplinkService> logger) : BackgroundService
{
    /// <summary>How long the send loop may go without a turn (it turns at least every quarter of this while idle).</summary>
    public static readonly TimeSpan LoopDeadline = TimeSpan.FromSeconds(30);

    private DurableOutbox? _outbox;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _outbox = services.GetRequiredService<DurableOutbox>();
        var transport = services.GetRequiredService<MqttUplinkTransport>();
        var forwarder = services.GetRequiredService<OutboxForwarder>();
        // The link stays up until the send loop has stopped, so sends in flight can get their PUBACK.
        using var stopLink = new CancellationTokenSource();
        var link = transport.RunAsync(stopLink.Token);
        using (var heartbeat = services.GetService<ProgressRegistry>()?.Register("uplink loop", LoopDeadline))
        {
            await RunForwarderAsync(forwarder, heartbeat, stoppingToken).ConfigureAwait(false);
        }

        await stopLink.CancelAsync().ConfigureAwait(false);
        await link.ConfigureAwait(false);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        if (_outbox is not null)
        {
            await _outbox.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task RunForwarderAsync(OutboxForwarder forwarder, Heartbeat? heartbeat, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await forwarder.RunAsync(heartbeat is null ? null : heartbeat.Beat, heartbeat?.IdleInterval ?? Timeout.InfiniteTimeSpan, stoppingToken)
                    .ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // Nothing is lost: every record not yet confirmed is still in the outbox.
                Log.SendLoopFailed(logger, ex.Message);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), time, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = UplinkLogEvents.ServiceSendLoopFailed, Level = LogLevel.Error, Message = "Uplink send loop failed: {Error}; restarting it, nothing was removed from the outbox")]
        public static partial void SendLoopFailed(ILogger logger, string error);
    }
}
