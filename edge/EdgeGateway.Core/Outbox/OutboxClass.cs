namespace EdgeGateway.Core.Outbox;

/// <summary>Priority classes of the outbox, highest first. Alarms are evicted last.</summary>
public enum OutboxClass
{
    Alarm = 0,
    Status = 1,
    Snapshot = 2,
    Telemetry = 3,
}
