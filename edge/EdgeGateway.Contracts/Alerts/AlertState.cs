namespace EdgeGateway.Contracts;

/// <summary>A fault is raised once and cleared once. Values are part of the wire contract.</summary>
public enum AlertState
{
    Raised = 0,
    Cleared = 1,
}
