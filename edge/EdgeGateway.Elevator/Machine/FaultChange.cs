using EdgeGateway.Core.Alerts;

namespace EdgeGateway.Elevator.Machine;

/// <summary>A fault raised or cleared by the machine; the draft carries the time its rule fired.</summary>
public sealed record FaultChange(AlertDraft Draft)
{
    public DateTimeOffset At => Draft.At!.Value;

    public string Kind => Draft.Kind;

    public AlertState State => Draft.State;
}
