using EdgeGateway.Contracts.Telemetry;
using EdgeGateway.Core;
using EdgeGateway.Core.Outbox;
using EdgeGateway.Uplink.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Uplink;

/// <summary>
/// Tells the relay how deep the outbox is (<see cref="BacklogReport"/> on the telemetry topic): at once on every
/// connection, then every <c>Uplink:BacklogReportInterval</c>. It goes past the queue, since a report queued
/// behind a backlog would arrive only once that backlog is gone; a report lost with the link is replaced by the
/// next connection's. Its parts are resolved when it runs, as the send loop's are, so a bad configuration is
/// reported by options validation first, in full.
/// </summary>
internal sealed class BacklogReporter(IServiceProvider services, TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var outbox = services.GetRequiredService<DurableOutbox>();
        var transport = services.GetRequiredService<IUplinkTransport>();
        var identity = services.GetRequiredService<DeviceIdentity>();
        var interval = services.GetRequiredService<IOptions<UplinkOptions>>().Value.BacklogReportInterval;
        var connection = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                connection = await transport.WaitForConnectionAsync(0, stoppingToken).ConfigureAwait(false);
                var stats = outbox.GetStats();
                var payload = new BacklogReport(identity.SiteId, identity.DeviceId, stats.TotalDepth, stats.QueuedBytes).Encode();
                var entry = new OutboxEntry(0, OutboxClass.Telemetry, null, time.GetUtcNow().ToUnixTimeMilliseconds(), payload.Length);
                await transport.SendAsync(entry, payload, stoppingToken).ConfigureAwait(false);

                // The next report: after the interval, or at once on a newer connection.
                using var next = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                var reconnected = transport.WaitForConnectionAsync(connection, next.Token);
                var due = Task.Delay(interval, time, next.Token);
                await Task.WhenAny(reconnected, due).ConfigureAwait(false);
                await next.CancelAsync().ConfigureAwait(false);
                await Task.WhenAll(reconnected, due).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }
}
