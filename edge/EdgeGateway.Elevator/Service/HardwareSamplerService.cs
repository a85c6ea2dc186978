using System.Device.Gpio;
using EdgeGateway.Elevator.Hardware;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Elevator.Service;

/// <summary>
/// The producer: reads the inputs and motion sensors every <see cref="ElevatorOptions.SampleInterval"/>
/// and writes one sample into the channel. A failed read is logged and retried on the next tick.
/// </summary>
public sealed class HardwareSamplerService(
    HardwareSampler sampler,
    ElevatorEventChannel channel,
    TimeProvider time,
    IOptions<ElevatorOptions> options,
    ILogger<HardwareSamplerService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            using var timer = new PeriodicTimer(options.Value.SampleInterval, time);
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
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
}
