using EdgeGateway.Core.Alerts;

namespace EdgeGateway.Elevator.Machine;

/// <summary>A fault raised or cleared by the machine, stamped with the time its rule fired.</summary>
public sealed record FaultChange(DateTimeOffset At, AlertDraft Draft)
{
    public string Kind => Draft.Kind;

    public AlertState State => Draft.State;
}
