namespace EdgeGateway.Core.Elevator;

/// <summary>
/// Where the elevator monitor hands its periodic status. The uplink decides how (and whether)
/// status travels; unlike alerts, a lost status is harmless because the next one supersedes it.
/// </summary>
public interface IElevatorStatusSink
{
    ValueTask PublishStatusAsync(ElevatorStatus status, CancellationToken cancellationToken = default);
}
