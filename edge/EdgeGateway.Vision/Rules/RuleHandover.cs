using EdgeGateway.Core.Vision;

namespace EdgeGateway.Vision.Rules;

/// <summary>
/// What one rule hands to its successor when its camera's worker is replaced: the violations it raised (not yet
/// cleared) and the boxes still cooling down after a clear.
/// </summary>
public sealed record RuleHandover(string Kind, IReadOnlyList<RuleHandover.Raised> Violations, IReadOnlyList<(BoxF Box, DateTimeOffset Until)> CoolingDown)
{
    /// <summary>One raised violation: its object id, latest sighting and zone, and when it was last seen.</summary>
    public sealed record Raised(int ObjectId, Detection Latest, string? Zone, DateTimeOffset LastSeen);
}
