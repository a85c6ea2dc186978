using CloudRelay.Database;
using EdgeGateway.Contracts.Fleet;

namespace CloudRelay.Fleet;

/// <summary>A device's desired configuration from the layers that cover it: the one rule the CLI, REST and delivery share.</summary>
public static class FleetDesired
{
    /// <summary>
    /// The live layers merged widest first, under the largest revision of all covering layers (cleared ones included,
    /// so a clear is a change too); null while no layer has ever covered the device.
    /// </summary>
    public static DesiredConfig? Of(IEnumerable<FleetLayerRecord> covering)
    {
        ArgumentNullException.ThrowIfNull(covering);
        var layers = covering.OrderBy(l => l.Target.Scope).ToList();
        if (layers.Count == 0)
        {
            return null;
        }

        return DesiredConfig.Of(layers.Max(l => l.Revision), MergePatch.Merge(layers.Where(l => l.Document is not null).Select(l => l.Document!)));
    }

    /// <summary>The covering layers of <paramref name="site"/>/<paramref name="device"/> among <paramref name="layers"/>.</summary>
    public static IEnumerable<FleetLayerRecord> Covering(IEnumerable<FleetLayerRecord> layers, string site, string device) =>
        layers.Where(l => l.Target.Covers(site, device));
}
