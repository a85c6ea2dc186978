namespace EdgeGateway.Contracts.Fleet;

/// <summary>What a fleet layer applies to, from the widest to the narrowest.</summary>
public enum FleetScope
{
    All = 0,
    Site = 1,
    Device = 2,
}

/// <summary>
/// A layer's target: <c>all</c>, <c>site:&lt;site&gt;</c> or <c>device:&lt;site&gt;/&lt;device&gt;</c>. A device's document
/// merges its layers by <see cref="Scope"/>, so a device layer wins over its site's, which wins over <c>all</c>.
/// </summary>
public sealed record FleetTarget(FleetScope Scope, string? Site, string? Device)
{
    public static readonly FleetTarget All = new(FleetScope.All, null, null);

    public const string Expected = "expected 'all', 'site:<site>' or 'device:<site>/<device>'";

    public static FleetTarget ForSite(string site) => new(FleetScope.Site, site, null);

    public static FleetTarget ForDevice(string site, string device) => new(FleetScope.Device, site, device);

    /// <summary>Parses a target; <paramref name="problem"/> is one line naming the value and what was expected.</summary>
    public static bool TryParse(string? text, out FleetTarget target, out string? problem)
    {
        target = All;
        problem = null;
        if (text == "all")
        {
            return true;
        }

        if (text is not null && text.StartsWith("site:", StringComparison.Ordinal) && DeviceNames.IsValid(text[5..]))
        {
            target = ForSite(text[5..]);
            return true;
        }

        if (text is not null && text.StartsWith("device:", StringComparison.Ordinal)
            && text[7..].Split('/') is [var site, var device] && DeviceNames.IsValid(site) && DeviceNames.IsValid(device))
        {
            target = ForDevice(site, device);
            return true;
        }

        problem = $"target '{text}' is invalid; {Expected}, with names of {DeviceNames.Expected[9..]}";
        return false;
    }

    public bool Covers(string site, string device) => Scope switch
    {
        FleetScope.All => true,
        FleetScope.Site => Site == site,
        _ => Site == site && Device == device,
    };

    public override string ToString() => Scope switch
    {
        FleetScope.All => "all",
        FleetScope.Site => $"site:{Site}",
        _ => $"device:{Site}/{Device}",
    };
}
