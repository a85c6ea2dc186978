using System.Text.Json.Nodes;
using EdgeGateway.Contracts.Fleet;

namespace CloudRelay.Database;

/// <summary>A fleet layer as stored; <see cref="Document"/> is null once cleared (the row stays, so versions only grow).</summary>
public sealed record FleetLayerRecord(FleetTarget Target, JsonObject? Document, long Revision, long UpdatedMs, string UpdatedBy);

/// <summary>The latest report a device sent about its desired configuration, and when the relay received it.</summary>
public sealed record FleetReportRecord(ConfigReport Report, long ReceivedMs);

/// <summary>One registered device in the fleet list: its desired version (0 while no layer covers it) and its latest report.</summary>
public sealed record FleetDeviceRow(string Site, string Device, bool Online, long DesiredVersion, FleetReportRecord? Reported)
{
    /// <summary>The status word of a device that never reported.</summary>
    public const string NeverReported = "none";

    /// <summary>What the fleet list counts a device that is covered by a layer and does not report that version as.</summary>
    public const string Behind = "behind";

    /// <summary>The device's status as the fleet list counts it: its report's word, or <see cref="NeverReported"/>.</summary>
    public string Status => Reported?.Report.Status ?? NeverReported;

    /// <summary>Covered by some layer and not reporting that version.</summary>
    public bool IsBehind => DesiredVersion > 0 && Reported?.Report.Version != DesiredVersion;
}

/// <summary>
/// Fleet configuration: layers per target under one global revision counter, and the latest report per device.
/// A device's desired version is the largest revision of the layers (cleared ones included) that cover it.
/// </summary>
public interface IFleetStore
{
    /// <summary>Stores the layer under the next revision and returns that revision.</summary>
    Task<long> SetLayerAsync(FleetTarget target, JsonObject document, string actor, long nowMs, CancellationToken cancellationToken);

    /// <summary>Clears the layer under the next revision (its row stays, without a document); null when it had no document.</summary>
    Task<long?> ClearLayerAsync(FleetTarget target, string actor, long nowMs, CancellationToken cancellationToken);

    /// <summary>Every layer, cleared ones included, widest first.</summary>
    Task<IReadOnlyList<FleetLayerRecord>> ListLayersAsync(CancellationToken cancellationToken);

    /// <summary>The layers that cover one device, cleared ones included, widest first.</summary>
    Task<IReadOnlyList<FleetLayerRecord>> LayersForAsync(string site, string device, CancellationToken cancellationToken);

    /// <summary>The latest revision given to any layer: one cheap read a running relay polls to see changes made elsewhere.</summary>
    Task<long> FleetRevisionAsync(CancellationToken cancellationToken);

    /// <summary>Keeps the device's latest report, replacing the one before.</summary>
    Task SetReportedAsync(string site, string device, ConfigReport report, long receivedMs, CancellationToken cancellationToken);

    Task<FleetReportRecord?> FindReportedAsync(string site, string device, CancellationToken cancellationToken);

    /// <summary>Registered devices (of one site, or all) with desired version and latest report, in one query, by site and device.</summary>
    Task<IReadOnlyList<FleetDeviceRow>> ListFleetDevicesAsync(string? site, CancellationToken cancellationToken);
}
