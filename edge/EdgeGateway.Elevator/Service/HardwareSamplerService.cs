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
/// A new <c>Elevator:SampleInterval</c> takes effect at once (the timer's period changes, no sample is lost); a
/// new board or board profile is logged and takes effect when the service starts again (the GPIO driver is chosen then).
/// </summary>
public sealed class HardwareSamplerService(
    HardwareSampler sampler,
    ElevatorEventChannel channel,
    TimeProvider time,
    IOptionsMonitor<ElevatorOptions> options,
    ILogger<HardwareSamplerService> logger,
    ProgressRegistry? progress = null,
    ElevatorSampleCounter? counter = null) : BackgroundService
{
    /// <summary>The least time the sampler may go without a tick before the watchdog calls it stalled.</summary>
    public static readonly TimeSpan MinimumDeadline = TimeSpan.FromSeconds(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var current = options.CurrentValue;
        var interval = current.SampleInterval;
        using var heartbeat = progress?.Register("elevator sampler", Max(MinimumDeadline, interval * 20));
        var changed = 0;
        using var subscription = options.OnChange(_ => Volatile.Write(ref changed, 1));
        try
        {
            using var timer = new PeriodicTimer(interval, time);
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                heartbeat?.Beat();
                if (Interlocked.Exchange(ref changed, 0) == 1 && TryCurrent() is { } next)
                {
                    Follow(timer, current, next);
                    current = next;
                }

                try
                {
                    await channel.Writer.WriteAsync(ElevatorEvent.Sample(sampler.Sample()), stoppingToken);
                    counter?.Sampled();
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

    /// <summary>The reloaded settings, or null when they are invalid (the elevator monitor says why, once).</summary>
    private ElevatorOptions? TryCurrent()
    {
        try
        {
            return options.CurrentValue;
        }
        catch (OptionsValidationException)
        {
            return null;
        }
    }

    private void Follow(PeriodicTimer timer, ElevatorOptions current, ElevatorOptions next)
    {
        if (next.SampleInterval != current.SampleInterval)
        {
            timer.Period = next.SampleInterval;
            Log.SampleIntervalChanged(logger, current.SampleInterval, next.SampleInterval);
        }

        if (!string.Equals(next.Board, current.Board, StringComparison.Ordinal) || !string.Equals(next.BoardProfile, current.BoardProfile, StringComparison.Ordinal))
        {
            Log.BoardChanged(logger, current.Board, current.BoardProfile, next.Board, next.BoardProfile);
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
