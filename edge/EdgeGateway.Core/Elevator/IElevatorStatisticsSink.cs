using EdgeGateway.Core.Outbox;

namespace EdgeGateway.Core.Elevator;

/// <summary>Where the elevator monitor hands its run statistics every <c>Elevator:StatisticsInterval</c>.</summary>
public interface IElevatorStatisticsSink
{
    ValueTask PublishStatisticsAsync(ElevatorStatistics statistics, CancellationToken cancellationToken = default);
}

/// <summary>Sends the run statistics upstream in the outbox's telemetry class (<c>edge/{site}/{device}/telemetry</c>).</summary>
public sealed class OutboxElevatorStatisticsSink(IOutbox outbox, DeviceIdentity identity) : IElevatorStatisticsSink
{
    public ValueTask PublishStatisticsAsync(ElevatorStatistics statistics, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        return outbox.EnqueueAsync(new OutboxMessage(OutboxClass.Telemetry, statistics.Encode(identity)), cancellationToken);
    }
}
