namespace EdgeGateway.Contracts.Fleet;

/// <summary>What a box did with a desired configuration: the same words in its report, the CLI, the REST API and the console.</summary>
public static class FleetConfigStatus
{
    /// <summary>In force and through its health watch.</summary>
    public const string Applied = "applied";

    /// <summary>Received, and being applied or watched.</summary>
    public const string Pending = "pending";

    /// <summary>Waiting for a critical alarm to clear (or <c>Fleet:MaxDeferral</c>) before the part that raised it restarts.</summary>
    public const string Deferred = "deferred";

    /// <summary>Refused by the box's validators; nothing changed.</summary>
    public const string Invalid = "invalid";

    /// <summary>A health gate failed (or the service kept dying) and the box went back to its last good configuration.</summary>
    public const string RolledBack = "rolled_back";

    public static readonly IReadOnlyList<string> All = [Applied, Pending, Deferred, Invalid, RolledBack];

    public static bool IsKnown(string? status) => status is not null && All.Contains(status);
}
