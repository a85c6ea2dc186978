namespace EdgeGateway.Supervision;

/// <summary>
/// Which log event ids each assembly may use, declared once for both programs. Within one program (the box, or the
/// relay) no two assemblies share a range, so an id in a journal names its component; each assembly's own registry
/// (<c>CoreLogEvents</c>, <c>UplinkLogEvents</c>, …) takes its ids from inside its ranges, and a test holds both.
/// </summary>
public static class LogEventRanges
{
    /// <summary>The assemblies of <c>edgegw</c>, each with its ranges (first and last id, inclusive).</summary>
    public static IReadOnlyDictionary<string, (int First, int Last)[]> Box { get; } = new Dictionary<string, (int, int)[]>(StringComparer.Ordinal)
    {
        ["EdgeGateway.Core"] = [(100, 199), (1300, 1309), (1510, 1519)],
        ["EdgeGateway.Uplink"] = [(200, 499), (1310, 1319)],
        ["EdgeGateway.Vision"] = [(1520, 1529), (3000, 3999)],
        ["EdgeGateway.Elevator"] = [(4000, 4999)],
        ["edgegw"] = [(1530, 1539), (1700, 1799), (7000, 7999)], // EdgeGateway.Host
        ["EdgeGateway.Supervision"] = [(9000, 9099)],
    };

    /// <summary>The assemblies of <c>cloud-relay</c>.</summary>
    public static IReadOnlyDictionary<string, (int First, int Last)[]> Relay { get; } = new Dictionary<string, (int, int)[]>(StringComparer.Ordinal)
    {
        ["cloud-relay"] = [(1, 1999)],
        ["EdgeGateway.Supervision"] = [(9000, 9099)],
    };
}
