using EdgeGateway.Elevator.Hardware;
using EdgeGateway.Supervision.Progress;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Elevator.Service;

/// <summary>
/// The producer: reads the inputs and motion sensors every <see cref="ElevatorOptions.SampleInterval"/>
/// and writes one sample into the channel. A failed read is logged and retried on the next tick.
/// Each tick beats the <c>elevator sampler</c> heartbeat when a <see cref="ProgressRegistry"/> is registered.
/// </summary>
public sealed class HardwareSamplerService(
    HardwareSampler sampler,
    ElevatorEventChannel channel,
    TimeProvider time,
    IOptions<ElevatorOptions> options,
    ILogger<HardwareSamplerService> logger,
    ProgressRegistry? progress = null) : BackgroundService
{
    /// <summary>The least time the sampler may go without a tick before the watchdog calls it stalled.</summary>
    public static readonly TimeSpan MinimumDeadline = TimeSpan.FromSeconds(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.SampleInterval;
        using var heartbeat = progress?.Register("elevator sampler", Max(MinimumDeadline, interval * 20));
        try
        {
            using var timer = new PeriodicTimer(interval, time);
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                heartbeat?.Beat();
                try
                {
                    await channel.Writer.WriteAsync(ElevatorEvent.Sample(sampler.Sample()), stoppingToken);
                }
                catch (Exception ex) when (ex is IOException or InvalidOperationException)
                {
                    Log.SampleFailed(logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
