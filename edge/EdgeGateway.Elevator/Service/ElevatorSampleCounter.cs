namespace EdgeGateway.Elevator.Service;

/// <summary>Samples the sampler wrote since start: the one owner of the elevator's samples per second (health report, instruments).</summary>
public sealed class ElevatorSampleCounter
{
    private long _samples;

    public long Samples => Interlocked.Read(ref _samples);

    internal void Sampled() => Interlocked.Increment(ref _samples);
}
