namespace EdgeGateway.Core.Alerts;

/// <summary>Hands out the per-device sequence numbers; strictly increasing across restarts.</summary>
public interface IAlertSequence
{
    long Take();
}
