namespace EdgeGateway.Core.Health;

/// <summary>Read side of the outbox and bridge.</summary>
public interface IUplinkMonitor
{
    UplinkHealth GetHealth();
}
