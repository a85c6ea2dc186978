using System.Text.Json;
using EdgeGateway.Core.Alerts;
using EdgeGateway.Core.Elevator;
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
/// When the <c>Elevator</c> settings change (the configuration reloads), it continues with a fault machine of the
/// new settings that takes over the raised faults, timers, statistics and maintenance state of the old one.
/// </summary>
public sealed class ElevatorMonitorService(
    ElevatorEventChannel channel,
    IAlertSink alerts,
    ElevatorMonitor monitor,
    MaintenanceLog maintenance,
    TimeProvider time,
    IOptionsMonitor<ElevatorOptions> options,
    ILogger<ElevatorMonitorService> logger,
    IElevatorStatusSink? status = null,
    StatisticsStore? statisticsStore = null,
    IElevatorStatisticsSink? statisticsSink = null) : BackgroundService
{
    private int _settingsChanged;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.CurrentValue;
        var applied = JsonSerializer.Serialize(settings);
        var last = maintenance.Last();
        var machine = new ElevatorFaultMachine(settings, time, last?.At, statisticsStore?.Load());
        var nextStatistics = time.GetUtcNow() + settings.StatisticsInterval;
        Log.Started(logger, settings.CarId, last?.At);
        // Only a flag here: the reload runs on the configuration's thread, the machine only on this one.
        using var subscription = options.OnChange(_ => Volatile.Write(ref _settingsChanged, 1));
        var ticker = new CancellationTokenSource();
        var tickLoop = TickAsync(settings.TickInterval, CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, ticker.Token).Token);
        try
        {
            var reader = channel.Reader;
            while (await reader.WaitToReadAsync(stoppingToken))
            {
                if (Interlocked.Exchange(ref _settingsChanged, 0) == 1 && TryTakeNewSettings(applied) is { } next)
                {
                    machine = machine.Reconfigure(next);
                    var kept = machine.ActiveFaults();
                    Log.Reconfigured(logger, next.CarId, kept);
                    await PublishChangesAsync(machine, next.CarId, stoppingToken);
                    if (next.TickInterval != settings.TickInterval)
                    {
                        await ticker.CancelAsync();
                        await tickLoop;
                        ticker.Dispose();
                        ticker = new CancellationTokenSource();
                        tickLoop = TickAsync(next.TickInterval, CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, ticker.Token).Token);
                    }

                    nextStatistics += next.StatisticsInterval - settings.StatisticsInterval;
                    settings = next;
                    applied = JsonSerializer.Serialize(next);
                }

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
            ticker.Dispose();
            SaveStatistics(machine.Statistics());
        }
    }

    /// <summary>The reloaded settings when they differ from <paramref name="applied"/>; null when equal or invalid (kept, with one line).</summary>
    private ElevatorOptions? TryTakeNewSettings(string applied)
    {
        try
        {
            var next = options.CurrentValue;
            return JsonSerializer.Serialize(next) == applied ? null : next;
        }
        catch (OptionsValidationException ex)
        {
            Log.SettingsRejected(logger, string.Join("; ", ex.Failures));
            return null;
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
