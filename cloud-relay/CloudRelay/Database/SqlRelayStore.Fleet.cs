using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeGateway.Contracts.Fleet;

namespace CloudRelay.Database;

/// <summary>Fleet configuration layers and reports, in the SQL both databases share.</summary>
public abstract partial class SqlRelayStore : IFleetStore
{
    private const string LayerColumns = "target, document, revision, updated_ms, updated_by";
    private const string ReportColumns = "version, sha256, status, lines, gates, time_ms, received_ms";

    public async Task<long> SetLayerAsync(FleetTarget target, JsonObject document, string actor, long nowMs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(document);
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var revision = await NextRevisionAsync(connection, transaction, cancellationToken);
        await ExecuteAsync(connection, transaction, """
            INSERT INTO fleet_layers (target, scope, site, device, document, revision, updated_ms, updated_by)
            VALUES (@target, @scope, @site, @device, @document, @revision, @now, @actor)
            ON CONFLICT (target) DO UPDATE SET
                document = excluded.document, revision = excluded.revision, updated_ms = excluded.updated_ms, updated_by = excluded.updated_by
            """, cancellationToken, ("target", target.ToString()), ("scope", (int)target.Scope), ("site", target.Site), ("device", target.Device),
            ("document", document.ToJsonString()), ("revision", revision), ("now", nowMs), ("actor", actor));
        await transaction.CommitAsync(cancellationToken);
        return revision;
    }

    public async Task<long?> ClearLayerAsync(FleetTarget target, string actor, long nowMs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var live = await ScalarAsync(connection, transaction, "SELECT COUNT(*) FROM fleet_layers WHERE target = @target AND document IS NOT NULL",
            cancellationToken, ("target", target.ToString()));
        if (Convert.ToInt64(live, CultureInfo.InvariantCulture) == 0)
        {
            await transaction.RollbackAsync(cancellationToken);
            return null;
        }

        var revision = await NextRevisionAsync(connection, transaction, cancellationToken);
        await ExecuteAsync(connection, transaction,
            "UPDATE fleet_layers SET document = NULL, revision = @revision, updated_ms = @now, updated_by = @actor WHERE target = @target",
            cancellationToken, ("target", target.ToString()), ("revision", revision), ("now", nowMs), ("actor", actor));
        await transaction.CommitAsync(cancellationToken);
        return revision;
    }

    public Task<IReadOnlyList<FleetLayerRecord>> ListLayersAsync(CancellationToken cancellationToken) =>
        ReadLayersAsync("ORDER BY scope, target", cancellationToken);

    public Task<IReadOnlyList<FleetLayerRecord>> LayersForAsync(string site, string device, CancellationToken cancellationToken) =>
        ReadLayersAsync("WHERE target IN (@all, @site, @device) ORDER BY scope", cancellationToken,
            ("all", FleetTarget.All.ToString()), ("site", FleetTarget.ForSite(site).ToString()), ("device", FleetTarget.ForDevice(site, device).ToString()));

    public async Task<long> FleetRevisionAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return Convert.ToInt64(await ScalarAsync(connection, null, "SELECT revision FROM fleet_revision WHERE id = 1", cancellationToken),
            CultureInfo.InvariantCulture);
    }

    public async Task SetReportedAsync(string site, string device, ConfigReport report, long receivedMs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        var json = report.ToJson();
        await using var connection = await OpenAsync(cancellationToken);
        await ExecuteAsync(connection, null, $"""
            INSERT INTO fleet_reported (site, device, {ReportColumns}) VALUES (@site, @device, @version, @sha, @status, @lines, @gates, @time, @received)
            ON CONFLICT (site, device) DO UPDATE SET
                version = excluded.version, sha256 = excluded.sha256, status = excluded.status, lines = excluded.lines,
                gates = excluded.gates, time_ms = excluded.time_ms, received_ms = excluded.received_ms
            """, cancellationToken, ("site", site), ("device", device), ("version", report.Version), ("sha", report.Sha256), ("status", report.Status),
            ("lines", json["lines"]!.ToJsonString()), ("gates", json["gates"]!.ToJsonString()), ("time", report.TimeMs), ("received", receivedMs));
    }

    public async Task<FleetReportRecord?> FindReportedAsync(string site, string device, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, null, $"SELECT {ReportColumns} FROM fleet_reported WHERE site = @site AND device = @device",
            ("site", site), ("device", device));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadReport(reader, 0) : null;
    }

    public async Task<IReadOnlyList<FleetDeviceRow>> ListFleetDevicesAsync(string? site, CancellationToken cancellationToken)
    {
        // The covering layers are found by their primary key, so the list costs one pass over the devices.
        var where = site is null ? string.Empty : "WHERE d.site = @site";
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, null, $"""
            SELECT d.site, d.device, d.online,
                (SELECT revision FROM fleet_layers WHERE target = 'all'),
                (SELECT revision FROM fleet_layers WHERE target = 'site:' || d.site),
                (SELECT revision FROM fleet_layers WHERE target = 'device:' || d.site || '/' || d.device),
                {string.Join(", ", ReportColumns.Split(", ").Select(c => "r." + c))}
            FROM devices d LEFT JOIN fleet_reported r ON r.site = d.site AND r.device = d.device
            {where}
            ORDER BY d.site, d.device
            """, site is null ? [] : [("site", site)]);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<FleetDeviceRow>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var version = Enumerable.Range(3, 3).Max(i => reader.IsDBNull(i) ? 0 : Int64(reader, i));
            rows.Add(new FleetDeviceRow(reader.GetString(0), reader.GetString(1), Int64(reader, 2) != 0, version,
                reader.IsDBNull(6) ? null : ReadReport(reader, 6)));
        }

        return rows;
    }

    private static async Task<long> NextRevisionAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken) =>
        // One counter row: in PostgreSQL its row lock also orders concurrent changes from several instances.
        Convert.ToInt64(await ScalarAsync(connection, transaction,
            "UPDATE fleet_revision SET revision = revision + 1 WHERE id = 1 RETURNING revision", cancellationToken), CultureInfo.InvariantCulture);

    private async Task<IReadOnlyList<FleetLayerRecord>> ReadLayersAsync(string tail, CancellationToken cancellationToken, params (string, object?)[] parameters)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, null, $"SELECT {LayerColumns} FROM fleet_layers {tail}", parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var layers = new List<FleetLayerRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            if (!FleetTarget.TryParse(reader.GetString(0), out var target, out _))
            {
                continue;
            }

            var document = reader.IsDBNull(1) ? null : JsonNode.Parse(reader.GetString(1)) as JsonObject;
            layers.Add(new FleetLayerRecord(target, document, Int64(reader, 2), Int64(reader, 3), reader.GetString(4)));
        }

        return layers;
    }

    private static FleetReportRecord ReadReport(DbDataReader reader, int offset)
    {
        var lines = JsonSerializer.Deserialize<List<string>>(reader.GetString(offset + 3)) ?? [];
        var gates = (JsonNode.Parse(reader.GetString(offset + 4)) as JsonArray ?? []).OfType<JsonObject>()
            .Select(g => new FleetGate(g["name"]?.GetValue<string>() ?? string.Empty, g["passed"]?.GetValue<bool>() ?? false, g["value"]?.GetValue<string>() ?? string.Empty))
            .ToList();
        var report = new ConfigReport(Int64(reader, offset), reader.GetString(offset + 1), reader.GetString(offset + 2), lines, gates, Int64(reader, offset + 5));
        return new FleetReportRecord(report, Int64(reader, offset + 6));
    }
}
