using System.Text.Json.Nodes;
using CloudRelay.Database;
using EdgeGateway.Contracts.Fleet;

namespace CloudRelay.Fleet;

/// <summary>The JSON the CLI and the REST API print for fleet configuration, from one place so both say the same.</summary>
public static class FleetViews
{
    public static JsonObject Change(FleetChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        return new JsonObject { ["target"] = change.Target, ["version"] = change.Version };
    }

    /// <summary><c>{"desired":{"version","sha256","document"},"reported":{"version","sha256","status","lines","gates","time"}}</c>; either may be null.</summary>
    public static JsonObject Device(FleetDeviceConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new JsonObject
        {
            ["desired"] = config.Desired is { } desired
                ? new JsonObject { ["version"] = desired.Version, ["sha256"] = desired.Sha256, ["document"] = desired.Document.DeepClone() }
                : null,
            ["reported"] = config.Reported?.Report.ToJson(),
        };
    }

    /// <summary>The live layers (cleared ones are kept only for versions), widest first.</summary>
    public static JsonObject Layers(IEnumerable<FleetLayerRecord> layers) => new()
    {
        ["items"] = new JsonArray([.. layers.Where(l => l.Document is not null).Select(l => (JsonNode)new JsonObject
        {
            ["target"] = l.Target.ToString(),
            ["version"] = l.Revision,
            ["document"] = l.Document!.DeepClone(),
            ["updated_ms"] = l.UpdatedMs,
            ["updated_by"] = l.UpdatedBy,
        })]),
    };

    /// <summary>
    /// The fleet list: each device with its desired and reported version, status, gates and time, and the counts per
    /// status (<c>none</c> for a device that never reported; <c>behind</c> counts devices whose report is of another version).
    /// </summary>
    public static JsonObject Devices(IReadOnlyList<FleetDeviceRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var counts = new JsonObject();
        foreach (var status in FleetConfigStatus.All.Append(FleetDeviceRow.NeverReported))
        {
            counts[status] = rows.Count(r => r.Status == status);
        }

        counts[FleetDeviceRow.Behind] = rows.Count(r => r.IsBehind);
        return new JsonObject
        {
            ["items"] = new JsonArray([.. rows.Select(r => (JsonNode)new JsonObject
            {
                ["site"] = r.Site,
                ["device"] = r.Device,
                ["online"] = r.Online,
                ["desired_version"] = r.DesiredVersion,
                ["reported_version"] = r.Reported?.Report.Version,
                ["status"] = r.Reported?.Report.Status,
                ["lines"] = r.Reported is { } lines ? new JsonArray([.. lines.Report.Lines.Select(l => (JsonNode?)JsonValue.Create(l))]) : null,
                ["gates"] = r.Reported?.Report.ToJson()["gates"]?.DeepClone(),
                ["time"] = r.Reported?.Report.TimeMs,
            })]),
            ["counts"] = counts,
        };
    }
}
