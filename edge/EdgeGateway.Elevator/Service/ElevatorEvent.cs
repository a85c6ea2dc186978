using EdgeGateway.Elevator.Machine;

namespace EdgeGateway.Elevator.Service;

/// <summary>What the single consumer takes from the channel: a sample, a tick, or a check-in.</summary>
public readonly record struct ElevatorEvent(ElevatorEventKind Kind, SignalUpdate Signals, DateTimeOffset At)
{
    public static ElevatorEvent Sample(in SignalUpdate signals) => new(ElevatorEventKind.Sample, signals, default);

    public static ElevatorEvent Tick { get; } = new(ElevatorEventKind.Tick, default, default);

    public static ElevatorEvent CheckIn(DateTimeOffset at) => new(ElevatorEventKind.CheckIn, default, at);
}

public enum ElevatorEventKind
{
    Sample,
    Tick,
    CheckIn,
}
