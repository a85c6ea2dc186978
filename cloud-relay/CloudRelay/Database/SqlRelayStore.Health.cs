using System.Data.Common;
using System.Globalization;

namespace CloudRelay.Database;

/// <summary>Device health, in the SQL both databases share.</summary>
public abstract partial class SqlRelayStore : IHealthStore
{
    public async Task SetHealthAsync(string site, string device, byte[] report, long receivedMs, long slotMs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, transaction, """
            INSERT INTO health_latest (site, device, report, received_ms) VALUES (@site, @device, @report, @received)
            ON CONFLICT (site, device) DO UPDATE SET report = excluded.report, received_ms = excluded.received_ms
            """, cancellationToken, ("site", site), ("device", device), ("report", report), ("received", receivedMs));
        await ExecuteAsync(connection, transaction, """
            INSERT INTO health_points (site, device, slot_ms, report, received_ms) VALUES (@site, @device, @slot, @report, @received)
            ON CONFLICT (site, device, slot_ms) DO UPDATE SET report = excluded.report, received_ms = excluded.received_ms
            """, cancellationToken, ("site", site), ("device", device), ("slot", slotMs), ("report", report), ("received", receivedMs));
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<int> DeleteHealthBeforeAsync(long beforeMs, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await ExecuteAsync(connection, null, "DELETE FROM health_points WHERE slot_ms < @before", cancellationToken, ("before", beforeMs));
    }

    public async Task<IReadOnlyList<HealthDeviceRow>> ListHealthAsync(string? site, CancellationToken cancellationToken)
    {
        var where = site is null ? string.Empty : "WHERE d.site = @site";
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, null, $"""
            SELECT d.site, d.device, d.online, h.report, h.received_ms
            FROM devices d LEFT JOIN health_latest h ON h.site = d.site AND h.device = d.device
            {where}
            ORDER BY d.site, d.device
            """, site is null ? [] : [("site", site)]);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<HealthDeviceRow>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new HealthDeviceRow(reader.GetString(0), reader.GetString(1), HealthInt64(reader, 2) != 0,
                reader.IsDBNull(3) ? null : new HealthRecord((byte[])reader.GetValue(3), HealthInt64(reader, 4))));
        }

        return rows;
    }

    public async Task<IReadOnlyList<HealthRecord>> HealthHistoryAsync(string site, string device, long sinceMs, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, null, """
            SELECT report, received_ms FROM health_points WHERE site = @site AND device = @device AND slot_ms >= @since ORDER BY slot_ms
            """, ("site", site), ("device", device), ("since", sinceMs));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var points = new List<HealthRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            points.Add(new HealthRecord((byte[])reader.GetValue(0), HealthInt64(reader, 1)));
        }

        return points;
    }

    private static long HealthInt64(DbDataReader reader, int i) => Convert.ToInt64(reader.GetValue(i), CultureInfo.InvariantCulture);
}
