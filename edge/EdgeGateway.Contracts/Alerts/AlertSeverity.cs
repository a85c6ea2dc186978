namespace EdgeGateway.Contracts;

/// <summary>How urgently the platform should act. Values are part of the wire contract.</summary>
public enum AlertSeverity
{
    Info = 0,
    Warning = 1,
    Major = 2,
    Critical = 3,
}
