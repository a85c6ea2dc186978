using System.Data.Common;
using CloudRelay.Settings;
using EdgeGateway.Contracts;
using Npgsql;
using NpgsqlTypes;
using EdgeGateway.Supervision.Retry;

namespace CloudRelay.Database;

/// <summary>
/// PostgreSQL storage for relays beyond one machine. Several relay instances may share one database:
/// the unique alert id makes inserts idempotent across instances, and migrations take an advisory lock.
/// A batch goes in as one statement over arrays, so a round trip carries hundreds of alerts.
/// </summary>
public sealed class PostgresRelayStore : SqlRelayStore
{
    private const long MigrationLockKey = 0x636c6f7564;
    private const int MaxInsertAttempts = 5;

    /// <summary>A batch the server rolled back (deadlock, serialization) runs again after 10, 20, 40, 80 ms.</summary>
    private static readonly RetryPolicy InsertRetry = new(TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(80), jitter: true);

    /// <summary>Listening again for credential changes after a lost connection: 1 s doubling to 30 s.</summary>
    private static readonly RetryPolicy ListenRetry = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));
    private const long ForwarderLockKey = MigrationLockKey + 1;
    private const string CredentialsChannel = "relay_credentials";

    private const string InsertSql = """
        WITH input AS (
            SELECT * FROM unnest(@ids, @sites, @devices, @seqs, @kinds, @severities, @states, @ts, @attrs, @snapshots, @clips)
                WITH ORDINALITY AS t(id, site, device, seq, kind, severity, state, ts_ms, attrs, snapshot, clip, ord)),
        inserted AS (
            INSERT INTO alerts (id, site, device, seq, kind, severity, state, ts_ms, attrs, snapshot, clip, received_ms)
            SELECT id, site, device, seq, kind, severity, state, ts_ms, attrs, snapshot, clip, @received FROM input ORDER BY ord
            ON CONFLICT (id) DO NOTHING
            RETURNING pos, id, kind),
        queued AS (
            INSERT INTO forward_queue (alert_pos) SELECT pos FROM inserted WHERE @forward ORDER BY pos),
        cased AS (
            INSERT INTO case_inbox (alert_pos) SELECT pos FROM inserted WHERE kind = ANY(@caseKinds))
        SELECT id FROM inserted
        """;

    private readonly NpgsqlDataSource _dataSource;

    /// <param name="caseKinds">Alert kinds that open a case (<see cref="Settings.CaseDeadlines"/>); none when null.</param>
    public PostgresRelayStore(string url, IReadOnlySet<string>? caseKinds = null)
        : base(caseKinds)
    {
        _dataSource = NpgsqlDataSource.Create(PostgresUrl.ToConnectionString(url));
    }

    public override string Kind => "postgres";

    protected override IReadOnlyList<SchemaMigration> Migrations => SchemaMigrations.Postgres;

    protected override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await _dataSource.OpenConnectionAsync(cancellationToken);

    protected override Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken) =>
        ExecuteAsync(connection, transaction, "SELECT pg_advisory_xact_lock(@key)", cancellationToken, ("key", MigrationLockKey));

    public override async Task<bool[]> InsertAlertsAsync(IReadOnlyList<Alert> alerts, long receivedMs, bool enqueueForward, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        var retry = InsertRetry.Start(TimeProvider.System);
        while (true)
        {
            try
            {
                return await InsertOnceAsync(alerts, receivedMs, enqueueForward, cancellationToken);
            }
            catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure
                                               && retry.Attempt + 1 < MaxInsertAttempts)
            {
                // The server rolled the whole batch back, so running it again is safe. Another relay instance on
                // the same database can lock the same device rows or wait on the same duplicate id.
                await retry.FailAndWaitAsync(cancellationToken);
            }
        }
    }

    private async Task<bool[]> InsertOnceAsync(IReadOnlyList<Alert> alerts, long receivedMs, bool enqueueForward, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var newIds = new HashSet<Guid>();
        await using (var insert = new NpgsqlCommand(InsertSql, connection, transaction))
        {
            insert.Parameters.Add(Array("ids", NpgsqlDbType.Uuid, alerts.Select(a => a.Id)));
            insert.Parameters.Add(Array("sites", NpgsqlDbType.Text, alerts.Select(a => a.SiteId)));
            insert.Parameters.Add(Array("devices", NpgsqlDbType.Text, alerts.Select(a => a.DeviceId)));
            insert.Parameters.Add(Array("seqs", NpgsqlDbType.Bigint, alerts.Select(a => a.Sequence)));
            insert.Parameters.Add(Array("kinds", NpgsqlDbType.Text, alerts.Select(a => a.Kind)));
            insert.Parameters.Add(Array("severities", NpgsqlDbType.Integer, alerts.Select(a => (int)a.Severity)));
            insert.Parameters.Add(Array("states", NpgsqlDbType.Integer, alerts.Select(a => (int)a.State)));
            insert.Parameters.Add(Array("ts", NpgsqlDbType.Bigint, alerts.Select(a => a.TimestampMs)));
            insert.Parameters.Add(Array("attrs", NpgsqlDbType.Text, alerts.Select(AttributesJson)));
            insert.Parameters.Add(Array("snapshots", NpgsqlDbType.Text, alerts.Select(a => a.SnapshotRef)));
            insert.Parameters.Add(Array("clips", NpgsqlDbType.Text, alerts.Select(a => a.ClipRef)));
            insert.Parameters.AddWithValue("received", receivedMs);
            insert.Parameters.AddWithValue("forward", enqueueForward);
            insert.Parameters.Add(Array("caseKinds", NpgsqlDbType.Text, CaseKinds));
            await using var reader = await insert.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                newIds.Add(reader.GetGuid(0));
            }
        }

        // A deadlock with another instance over these rows is retried above.
        var devices = DevicesToTouch(alerts, receivedMs);
        await using (var seen = new NpgsqlCommand("""
            UPDATE devices d SET last_seen_ms = GREATEST(COALESCE(d.last_seen_ms, 0), @seen)
            FROM unnest(@sites, @devices) AS u(site, device)
            WHERE d.site = u.site AND d.device = u.device
            """, connection, transaction))
        {
            seen.Parameters.AddWithValue("seen", receivedMs);
            seen.Parameters.Add(Array("sites", NpgsqlDbType.Text, devices.Select(d => d.Site)));
            seen.Parameters.Add(Array("devices", NpgsqlDbType.Text, devices.Select(d => d.Device)));
            await seen.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        Touched(devices, receivedMs);

        // An id repeated inside one batch is new only the first time.
        var result = new bool[alerts.Count];
        for (var i = 0; i < alerts.Count; i++)
        {
            result[i] = newIds.Remove(alerts[i].Id);
        }

        return result;
    }

    /// <summary>A session-level advisory lock on a connection of its own: released by the server if this process dies.</summary>
    public override async Task<IForwarderLease?> TryTakeForwarderLeaseAsync(CancellationToken cancellationToken)
    {
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var take = new NpgsqlCommand("SELECT pg_try_advisory_lock(@key)", connection);
            take.Parameters.AddWithValue("key", ForwarderLockKey);
            if (await take.ExecuteScalarAsync(cancellationToken) is true)
            {
                var lease = new AdvisoryLease(connection);
                connection = null;
                return lease;
            }

            return null;
        }
        finally
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }
        }
    }

    private sealed class AdvisoryLease(NpgsqlConnection connection) : IForwarderLease
    {
        public async Task<bool> IsHeldAsync(CancellationToken cancellationToken)
        {
            try
            {
                await using var check = new NpgsqlCommand("SELECT 1", connection);
                await check.ExecuteScalarAsync(cancellationToken);
                return true;
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
            {
                return false;
            }
        }

        // Closing the session releases the lock (the pool would keep the session, and the lock, alive).
        public async ValueTask DisposeAsync()
        {
            try
            {
                await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock_all()", connection);
                await release.ExecuteNonQueryAsync();
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
            {
                // The session is already gone, and the lock with it.
            }

            await connection.DisposeAsync();
        }
    }

    public override async Task SignalCredentialsChangedAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await ExecuteAsync(connection, null, $"NOTIFY {CredentialsChannel}", cancellationToken);
    }

    /// <summary>LISTENs on its own connection; after a lost connection it listens again and reports a change, since one may have been missed.</summary>
    public override async Task WatchCredentialChangesAsync(Action changed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(changed);
        var reconnect = ListenRetry.Start(TimeProvider.System);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
                connection.Notification += (_, _) => changed();
                await ExecuteAsync(connection, null, $"LISTEN {CredentialsChannel}", cancellationToken);
                changed();
                reconnect.Reset();
                while (true)
                {
                    await connection.WaitAsync(cancellationToken);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException)
            {
                await reconnect.WaitAsync(reconnect.Fail(), cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    public override ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    private static NpgsqlParameter Array<T>(string name, NpgsqlDbType type, IEnumerable<T> values) =>
        new(name, NpgsqlDbType.Array | type) { Value = values.ToArray() };
}
