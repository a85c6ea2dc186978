using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Text.Json;
using EdgeGateway.Contracts;

namespace CloudRelay.Database;

/// <summary>
/// The SQL both databases share (SQLite 3.35+ and PostgreSQL both speak <c>ON CONFLICT DO NOTHING</c> and
/// <c>RETURNING</c>). Subclasses open connections, apply their migrations and may batch inserts their own way.
/// </summary>
public abstract partial class SqlRelayStore : IRelayStore, ICaseStore
{
    private const string AlertColumns = "pos, id, site, device, seq, kind, severity, state, ts_ms, attrs, snapshot, received_ms, clip";
    private const string DeviceColumns = "site, device, token_hash, cert_thumbprint, online, last_seen_ms, created_ms, client_id, backlog, backlog_ms";

    /// <summary>Last seen is written at most this often per device from the alert path; status messages write it always.</summary>
    protected static readonly TimeSpan LastSeenResolution = TimeSpan.FromSeconds(5);

    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Site, string Device), long> _lastSeenWritten = new();

    /// <param name="caseKinds">Alert kinds that open a case: a new alert of one enters the case inbox in its own transaction.</param>
    protected SqlRelayStore(IReadOnlySet<string>? caseKinds)
    {
        CaseKinds = caseKinds ?? new HashSet<string>(StringComparer.Ordinal);
    }

    /// <summary>Alert kinds whose new alerts enter the case inbox.</summary>
    protected IReadOnlySet<string> CaseKinds { get; }

    public abstract string Kind { get; }

    protected abstract IReadOnlyList<SchemaMigration> Migrations { get; }

    protected abstract ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>Serializes concurrent migrators (an advisory lock, or an immediate transaction).</summary>
    protected abstract Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken);

    public abstract Task<bool[]> InsertAlertsAsync(IReadOnlyList<Alert> alerts, long receivedMs, bool enqueueForward, CancellationToken cancellationToken);

    public abstract Task<IForwarderLease?> TryTakeForwarderLeaseAsync(CancellationToken cancellationToken);

    public abstract Task SignalCredentialsChangedAsync(CancellationToken cancellationToken);

    public abstract Task WatchCredentialChangesAsync(Action changed, CancellationToken cancellationToken);

    public abstract ValueTask DisposeAsync();

    public async Task<int> MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using (var bootstrap = await connection.BeginTransactionAsync(cancellationToken))
        {
            // Under the lock too: two instances starting together must not both create the table.
            await LockForMigrationAsync(connection, bootstrap, cancellationToken);
            await ExecuteAsync(connection, bootstrap, """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version INTEGER PRIMARY KEY,
                    name TEXT NOT NULL,
                    applied_ms BIGINT NOT NULL)
                """, cancellationToken);
            await bootstrap.CommitAsync(cancellationToken);
        }

        var current = 0;
        foreach (var migration in Migrations)
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await LockForMigrationAsync(connection, transaction, cancellationToken);
            var applied = await ScalarAsync(connection, transaction,
                "SELECT COUNT(*) FROM schema_migrations WHERE version = @v", cancellationToken, ("v", migration.Version));
            if (Convert.ToInt64(applied, CultureInfo.InvariantCulture) == 0)
            {
                await ExecuteAsync(connection, transaction, migration.Sql, cancellationToken);
                await ExecuteAsync(connection, transaction,
                    "INSERT INTO schema_migrations (version, name, applied_ms) VALUES (@v, @n, @t)", cancellationToken,
                    ("v", migration.Version), ("n", migration.Name), ("t", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
            }

            await transaction.CommitAsync(cancellationToken);
            current = migration.Version;
        }

        return current;
    }

    public async Task<AlertPage> QueryAlertsAsync(AlertQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var (where, parameters, limit) = PageFilter(
            [("site = @site", "site", query.Site), ("device = @device", "device", query.Device), ("kind = @kind", "kind", query.Kind),
             ("state = @state", "state", query.State is { } state ? (int)state : null), ("ts_ms >= @since", "since", query.SinceMs)],
            query.After, query.Limit);

        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, null, $"SELECT {AlertColumns} FROM alerts {where}", parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var items = new List<StoredAlert>(limit);
        var more = false;
        while (await reader.ReadAsync(cancellationToken))
        {
            if (items.Count == limit)
            {
                more = true;
                break;
            }

            items.Add(ReadAlert(reader));
        }

        return new AlertPage(items, more ? items[^1].Position : null);
    }

    public async Task<StoredAlert?> FindAlertAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, null, $"SELECT {AlertColumns} FROM alerts WHERE id = @id", ("id", id));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadAlert(reader) : null;
    }

    public async Task<long> CountAlertsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return Convert.ToInt64(await ScalarAsync(connection, null, "SELECT COUNT(*) FROM alerts", cancellationToken), CultureInfo.InvariantCulture);
    }

    public async Task AddDeviceAsync(string site, string device, string? tokenHash, string? certificateThumbprint, long nowMs, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await ExecuteAsync(connection, null, """
            INSERT INTO devices (site, device, token_hash, cert_thumbprint, online, created_ms)
            VALUES (@site, @device, @token, @cert, 0, @now)
            ON CONFLICT (site, device) DO UPDATE SET
                token_hash = COALESCE(excluded.token_hash, devices.token_hash),
                cert_thumbprint = COALESCE(excluded.cert_thumbprint, devices.cert_thumbprint)
            """, cancellationToken,
            ("site", site), ("device", device), ("token", tokenHash), ("cert", certificateThumbprint), ("now", nowMs));
    }

    public async Task<bool> RegisterDeviceAsync(string site, string device, string tokenHash, string? certificateThumbprint, long nowMs, bool renew,
        CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        // One statement, so two registrations of a new device at once cannot both hand out a token.
        return await ExecuteAsync(connection, null, """
            INSERT INTO devices (site, device, token_hash, cert_thumbprint, online, created_ms)
            VALUES (@site, @device, @token, @cert, 0, @now)
            ON CONFLICT (site, device) DO UPDATE SET
                token_hash = excluded.token_hash,
                cert_thumbprint = COALESCE(excluded.cert_thumbprint, devices.cert_thumbprint)
            WHERE @renew = 1 OR (devices.token_hash IS NULL AND devices.cert_thumbprint IS NULL)
            """, cancellationToken,
            ("site", site), ("device", device), ("token", tokenHash), ("cert", certificateThumbprint), ("now", nowMs), ("renew", renew ? 1 : 0)) == 1;
    }

    public async Task<DeviceRecord?> FindDeviceAsync(string site, string device, CancellationToken cancellationToken)
    {
        var found = await QueryDevicesAsync("WHERE site = @site AND device = @device", cancellationToken, ("site", site), ("device", device));
        return found.Count == 0 ? null : found[0];
    }

    public async Task<DeviceRecord?> FindDeviceByThumbprintAsync(string thumbprint, CancellationToken cancellationToken)
    {
        var found = await QueryDevicesAsync("WHERE cert_thumbprint = @cert", cancellationToken, ("cert", thumbprint));
        return found.Count == 0 ? null : found[0];
    }

    public Task<IReadOnlyList<DeviceRecord>> ListDevicesAsync(CancellationToken cancellationToken) =>
        QueryDevicesAsync("ORDER BY site, device", cancellationToken);

    public async Task<bool> RemoveDeviceAsync(string site, string device, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var removed = await ExecuteAsync(connection, null, "DELETE FROM devices WHERE site = @site AND device = @device",
            cancellationToken, ("site", site), ("device", device));
        return removed > 0;
    }

    public async Task SetClientIdAsync(string site, string device, string? clientId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await ExecuteAsync(connection, null, "UPDATE devices SET client_id = @client WHERE site = @site AND device = @device",
            cancellationToken, ("site", site), ("device", device), ("client", clientId));
    }

    public async Task<bool> AddApiKeyAsync(ApiKeyRecord key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        await using var connection = await OpenAsync(cancellationToken);
        var added = await ExecuteAsync(connection, null, """
            INSERT INTO api_keys (name, key_hash, scope, created_ms) VALUES (@name, @hash, @scope, @now)
            ON CONFLICT (name) DO NOTHING
            """, cancellationToken, ("name", key.Name), ("hash", key.KeyHash), ("scope", key.Scope), ("now", key.CreatedMs));
        return added > 0;
    }

    public async Task<IReadOnlyList<ApiKeyRecord>> ListApiKeysAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, null, "SELECT name, key_hash, scope, created_ms, revoked_ms FROM api_keys ORDER BY name", []);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var keys = new List<ApiKeyRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            keys.Add(new ApiKeyRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2),
                Convert.ToInt64(reader.GetValue(3), CultureInfo.InvariantCulture),
                reader.IsDBNull(4) ? null : Convert.ToInt64(reader.GetValue(4), CultureInfo.InvariantCulture)));
        }

        return keys;
    }

    public async Task<bool> RevokeApiKeyAsync(string name, long nowMs, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var revoked = await ExecuteAsync(connection, null, "UPDATE api_keys SET revoked_ms = @now WHERE name = @name AND revoked_ms IS NULL",
            cancellationToken, ("name", name), ("now", nowMs));
        return revoked > 0;
    }

    public async Task SetTokenHashAsync(string site, string device, string tokenHash, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await ExecuteAsync(connection, null, "UPDATE devices SET token_hash = @token WHERE site = @site AND device = @device",
            cancellationToken, ("site", site), ("device", device), ("token", tokenHash));
    }

    public async Task SetClaimCodeAsync(string site, string device, string codeHash, long expiresMs, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await ExecuteAsync(connection, null,
            "INSERT INTO claim_codes (code_hash, site, device, expires_ms) VALUES (@code, @site, @device, @expires)",
            cancellationToken, ("code", codeHash), ("site", site), ("device", device), ("expires", expiresMs));
    }

    public async Task<(string Site, string Device)?> FindClaimCodeAsync(string codeHash, long nowMs, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, null,
            "SELECT site, device FROM claim_codes WHERE code_hash = @code AND used_ms IS NULL AND expires_ms > @now", ("code", codeHash), ("now", nowMs));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (reader.GetString(0), reader.GetString(1)) : null;
    }

    public async Task<DeviceRecord?> ConsumeClaimCodeAsync(string codeHash, string newTokenHash, long nowMs, CancellationToken cancellationToken)
    {
        string site, device;
        await using (var connection = await OpenAsync(cancellationToken))
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            // The UPDATE ... WHERE used_ms IS NULL is the one-time guard: only one caller can flip it.
            await using (var command = Command(connection, transaction, """
                UPDATE claim_codes SET used_ms = @now
                WHERE code_hash = @code AND used_ms IS NULL AND expires_ms > @now
                RETURNING site, device
                """, ("code", codeHash), ("now", nowMs)))
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                if (!await reader.ReadAsync(cancellationToken))
                {
                    return null;
                }

                site = reader.GetString(0);
                device = reader.GetString(1);
            }

            // A claim code is for a device nobody holds yet: one that got a token or certificate since is refused.
            if (await ExecuteAsync(connection, transaction, """
                UPDATE devices SET token_hash = @token
                WHERE site = @site AND device = @device AND token_hash IS NULL AND cert_thumbprint IS NULL
                """, cancellationToken, ("site", site), ("device", device), ("token", newTokenHash)) != 1)
            {
                await transaction.RollbackAsync(cancellationToken);
                return null;
            }

            await transaction.CommitAsync(cancellationToken);
        }

        return await FindDeviceAsync(site, device, cancellationToken);
    }

    public async Task SetDeviceBacklogAsync(string site, string device, long backlog, long nowMs, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await ExecuteAsync(connection, null,
            "UPDATE devices SET backlog = @backlog, backlog_ms = @now, last_seen_ms = @now WHERE site = @site AND device = @device",
            cancellationToken, ("site", site), ("device", device), ("backlog", backlog), ("now", nowMs));
    }

    public async Task SetDeviceStatusAsync(string site, string device, bool? online, long seenMs, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        if (online is { } isOnline)
        {
            await ExecuteAsync(connection, null,
                "UPDATE devices SET online = @online, last_seen_ms = @seen WHERE site = @site AND device = @device",
                cancellationToken, ("site", site), ("device", device), ("online", isOnline ? 1 : 0), ("seen", seenMs));
        }
        else
        {
            await ExecuteAsync(connection, null,
                "UPDATE devices SET last_seen_ms = @seen WHERE site = @site AND device = @device",
                cancellationToken, ("site", site), ("device", device), ("seen", seenMs));
        }
    }

    public async Task<IReadOnlyList<ForwardItem>> PeekForwardAsync(int max, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var items = new List<ForwardItem>();
        var events = new List<(int Index, long EventPosition)>();
        await using (var command = Command(connection, null, $"""
            SELECT f.pos, f.case_event_pos, {Prefixed("a.")} FROM forward_queue f LEFT JOIN alerts a ON a.pos = f.alert_pos
            ORDER BY f.pos LIMIT @max
            """, ("max", max)))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                if (!reader.IsDBNull(1))
                {
                    events.Add((items.Count, reader.GetInt64(1)));
                    items.Add(new ForwardItem(reader.GetInt64(0), null));
                }
                else if (!reader.IsDBNull(2))
                {
                    items.Add(new ForwardItem(reader.GetInt64(0), ReadAlert(reader, 2).Alert));
                }
            }
        }

        foreach (var (index, eventPosition) in events)
        {
            items[index] = items[index] with { CaseEvent = await ReadCaseEventItemAsync(connection, eventPosition, cancellationToken) };
        }

        // A queued event whose case is gone cannot be sent; it is skipped (removed) like any delivered item.
        return items;
    }

    public async Task RemoveForwardAsync(long position, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await ExecuteAsync(connection, null, "DELETE FROM forward_queue WHERE pos = @pos", cancellationToken, ("pos", position));
    }

    public async Task<long> ForwardBacklogAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return Convert.ToInt64(await ScalarAsync(connection, null, "SELECT COUNT(*) FROM forward_queue", cancellationToken), CultureInfo.InvariantCulture);
    }

    /// <summary>The devices of a batch whose last seen is older than <see cref="LastSeenResolution"/>, in a fixed order.</summary>
    protected IReadOnlyList<(string Site, string Device)> DevicesToTouch(IReadOnlyList<Alert> alerts, long receivedMs)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        var due = new SortedSet<(string Site, string Device)>();
        foreach (var alert in alerts)
        {
            var key = (alert.SiteId, alert.DeviceId);
            if (!_lastSeenWritten.TryGetValue(key, out var written) || receivedMs - written >= LastSeenResolution.TotalMilliseconds)
            {
                due.Add(key);
            }
        }

        return [.. due];
    }

    /// <summary>Call after the batch committed.</summary>
    protected void Touched(IReadOnlyList<(string Site, string Device)> devices, long receivedMs)
    {
        ArgumentNullException.ThrowIfNull(devices);
        foreach (var key in devices)
        {
            _lastSeenWritten[key] = receivedMs;
        }
    }

    internal static string? AttributesJson(Alert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return alert.Attributes.Count == 0 ? null : JsonSerializer.Serialize(alert.Attributes);
    }

    protected static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var command = connection.CreateCommand();
        command.Transaction = transaction;
#pragma warning disable CA2100 // SQL text is built from constants only; values go in parameters.
        command.CommandText = sql;
#pragma warning restore CA2100
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }

        return command;
    }

    protected static async Task<int> ExecuteAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken, params (string, object?)[] parameters)
    {
        await using var command = Command(connection, transaction, sql, parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    protected static async Task<object?> ScalarAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken, params (string, object?)[] parameters)
    {
        await using var command = Command(connection, transaction, sql, parameters);
        return await command.ExecuteScalarAsync(cancellationToken);
    }

    private static string Prefixed(string prefix) =>
        string.Join(", ", AlertColumns.Split(", ").Select(column => prefix + column));

    private async Task<IReadOnlyList<DeviceRecord>> QueryDevicesAsync(string tail, CancellationToken cancellationToken, params (string, object?)[] parameters)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, null, $"SELECT {DeviceColumns} FROM devices {tail}", parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var devices = new List<DeviceRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            devices.Add(new DeviceRecord(
                reader.GetString(0),
                reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                Convert.ToInt64(reader.GetValue(4), CultureInfo.InvariantCulture) != 0,
                reader.IsDBNull(5) ? null : Convert.ToInt64(reader.GetValue(5), CultureInfo.InvariantCulture),
                Convert.ToInt64(reader.GetValue(6), CultureInfo.InvariantCulture),
                reader.IsDBNull(7) ? null : reader.GetString(7),
                reader.IsDBNull(8) ? null : Convert.ToInt64(reader.GetValue(8), CultureInfo.InvariantCulture),
                reader.IsDBNull(9) ? null : Convert.ToInt64(reader.GetValue(9), CultureInfo.InvariantCulture)));
        }

        return devices;
    }

    private static StoredAlert ReadAlert(DbDataReader reader, int offset = 0)
    {
        long Int64(int i) => Convert.ToInt64(reader.GetValue(offset + i), CultureInfo.InvariantCulture);
        var attributesText = reader.IsDBNull(offset + 9) ? string.Empty : reader.GetString(offset + 9);
        var alert = new Alert
        {
            Id = reader.GetGuid(offset + 1),
            SiteId = reader.GetString(offset + 2),
            DeviceId = reader.GetString(offset + 3),
            Sequence = Int64(4),
            Kind = reader.GetString(offset + 5),
            Severity = (AlertSeverity)Int64(6),
            State = (AlertState)Int64(7),
            TimestampMs = Int64(8),
            Attributes = attributesText.Length == 0
                ? Alert.EmptyAttributes
                : JsonSerializer.Deserialize<Dictionary<string, string>>(attributesText) ?? [],
            SnapshotRef = reader.IsDBNull(offset + 10) ? null : reader.GetString(offset + 10),
            ClipRef = reader.FieldCount > offset + 12 && !reader.IsDBNull(offset + 12) ? reader.GetString(offset + 12) : null,
        };
        return new StoredAlert(Int64(0), alert, Int64(11));
    }
}
