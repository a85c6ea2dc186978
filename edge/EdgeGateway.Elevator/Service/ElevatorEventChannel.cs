using System.Threading.Channels;

namespace EdgeGateway.Elevator.Service;

/// <summary>
/// The bounded channel between the sampler (and ticker, and check-ins) and the one consumer
/// that owns the fault machine. Full mode is wait: a sample carries door and motion edges that
/// the rules count, so none is dropped.
/// </summary>
public sealed class ElevatorEventChannel
{
    private readonly Channel<ElevatorEvent> _channel = Channel.CreateBounded<ElevatorEvent>(new BoundedChannelOptions(1024)
    {
        FullMode = BoundedChannelFullMode.Wait,
        SingleReader = true,
    });

    public ChannelReader<ElevatorEvent> Reader => _channel.Reader;

    public ChannelWriter<ElevatorEvent> Writer => _channel.Writer;
}
