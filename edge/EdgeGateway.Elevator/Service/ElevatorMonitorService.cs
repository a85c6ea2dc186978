using EdgeGateway.Core.Elevator;
using EdgeGateway.Core.Ports;
using EdgeGateway.Elevator.Machine;
using EdgeGateway.Elevator.Maintenance;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Elevator.Service;

/// <summary>
/// The single consumer: owns the fault machine, takes samples, ticks and check-ins from the
/// channel, publishes every raise and clear through <see cref="IAlertSink"/> (awaited: an alarm
/// is never dropped), publishes status through <see cref="IElevatorStatusSink"/> when one is
/// registered, and refreshes the monitor's snapshot. Every <c>Elevator:StatisticsInterval</c> it stores the
/// run statistics and hands them to <see cref="IElevatorStatisticsSink"/> when one is registered.
/// </summary>
public sealed class ElevatorMonitorService(
    ElevatorEventChannel channel,
    IAlertSink alerts,
    ElevatorMonitor monitor,
    MaintenanceLog maintenance,
    TimeProvider time,
    IOptions<ElevatorOptions> options,
    ILogger<ElevatorMonitorService> logger,
    IElevatorStatusSink? status = null,
    StatisticsStore? statisticsStore = null,
    IElevatorStatisticsSink? statisticsSink = null) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var last = maintenance.Last();
        var machine = new ElevatorFaultMachine(settings, time, last?.At, statisticsStore?.Load());
        var nextStatistics = time.GetUtcNow() + settings.StatisticsInterval;
        Log.Started(logger, settings.CarId, last?.At);
        using var ticker = new CancellationTokenSource();
        var tickLoop = TickAsync(settings.TickInterval, CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, ticker.Token).Token);
        try
        {
            var reader = channel.Reader;
            while (await reader.WaitToReadAsync(stoppingToken))
            {
                while (reader.TryRead(out var item))
                {
                    switch (item.Kind)
                    {
                        case ElevatorEventKind.Sample:
                            machine.Apply(item.Signals);
                            break;
                        case ElevatorEventKind.CheckIn:
                            machine.CheckIn(item.At);
                            break;
                        default:
                            machine.Tick();
                            break;
                    }

                    if (machine.HasChanges)
                    {
                        await PublishChangesAsync(machine, settings.CarId, stoppingToken);
                    }
                }

                monitor.Publish(machine.Snapshot());
                if (status is not null && machine.TryTakeStatus(out var current))
                {
                    await status.PublishStatusAsync(current, stoppingToken);
                }

                if (time.GetUtcNow() >= nextStatistics)
                {
                    nextStatistics += settings.StatisticsInterval;
                    var statistics = machine.Statistics();
                    SaveStatistics(statistics);
                    if (statisticsSink is not null)
                    {
                        await statisticsSink.PublishStatisticsAsync(statistics, stoppingToken);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            await ticker.CancelAsync();
            await tickLoop;
            SaveStatistics(machine.Statistics());
        }
    }

    private void SaveStatistics(ElevatorStatistics statistics)
    {
        try
        {
            statisticsStore?.Save(statistics);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Losing an hour of counts is better than stopping the monitor.
            Log.StatisticsNotSaved(logger, ex, statisticsStore!.Path);
        }
    }

    private async Task PublishChangesAsync(ElevatorFaultMachine machine, string car, CancellationToken cancellationToken)
    {
        while (machine.TryTakeChange(out var change))
        {
            Log.FaultChanged(logger, car, change.Kind, change.State, change.Draft.Attributes?.GetValueOrDefault("floor"));
            while (true)
            {
                try
                {
                    await alerts.PublishAsync(change.Draft, cancellationToken);
                    break;
                }
                catch (Exception ex) when (ex is IOException or InvalidOperationException or TimeoutException)
                {
                    // The outbox is the durable part; if even it fails, keep the alarm and retry.
                    Log.PublishFailed(logger, ex, car, change.Kind);
                    await Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken);
                }
            }
        }
    }

    private async Task TickAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        try
        {
            using var timer = new PeriodicTimer(interval, time);
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                await channel.Writer.WriteAsync(ElevatorEvent.Tick, cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
