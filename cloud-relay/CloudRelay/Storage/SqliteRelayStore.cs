using System.Data.Common;
using EdgeGateway.Core.Alerts;
using Microsoft.Data.Sqlite;

namespace CloudRelay.Storage;

/// <summary>
/// The embedded default: one SQLite file in WAL mode with <c>synchronous=FULL</c>, so a committed batch
/// survives a power cut. One long-lived writer connection takes every alert batch; reads use pooled connections.
/// </summary>
public sealed class SqliteRelayStore : SqlRelayStore
{
    private const string InsertSql = """
        INSERT INTO alerts (id, site, device, seq, kind, severity, state, ts_ms, attrs, snapshot, received_ms)
        VALUES (@id, @site, @device, @seq, @kind, @severity, @state, @ts, @attrs, @snapshot, @received)
        ON CONFLICT (id) DO NOTHING
        RETURNING pos
        """;

    private readonly string _connectionString;
    private readonly SemaphoreSlim _writerGate = new(1, 1);
    private SqliteConnection? _writer;

    public SqliteRelayStore(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        FilePath = path;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
    }

    public string FilePath { get; }

    public override string Kind => "sqlite";

    protected override IReadOnlyList<SchemaMigration> Migrations => SchemaMigrations.Sqlite;

    protected override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            await ExecuteAsync(connection, null, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 30000;", cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    protected override Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken) =>
        // Microsoft.Data.Sqlite begins transactions IMMEDIATE: the writer lock is already held.
        Task.CompletedTask;

    public override async Task<bool[]> InsertAlertsAsync(IReadOnlyList<Alert> alerts, long receivedMs, bool enqueueForward, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        await _writerGate.WaitAsync(cancellationToken);
        try
        {
            _writer ??= (SqliteConnection)await OpenAsync(cancellationToken);
            var inserted = new bool[alerts.Count];
            await using var transaction = (SqliteTransaction)await _writer.BeginTransactionAsync(cancellationToken);
            await using var insert = Command(_writer, transaction, InsertSql,
                ("id", Guid.Empty), ("site", ""), ("device", ""), ("seq", 0L), ("kind", ""), ("severity", 0), ("state", 0),
                ("ts", 0L), ("attrs", null), ("snapshot", null), ("received", receivedMs));
            await using var forward = Command(_writer, transaction, "INSERT INTO forward_queue (alert_pos) VALUES (@pos)", ("pos", 0L));
            await using var seen = Command(_writer, transaction,
                "UPDATE devices SET last_seen_ms = @seen WHERE site = @site AND device = @device",
                ("seen", receivedMs), ("site", ""), ("device", ""));
            var p = insert.Parameters;
            for (var i = 0; i < alerts.Count; i++)
            {
                var alert = alerts[i];
                p["id"].Value = alert.Id;
                p["site"].Value = alert.SiteId;
                p["device"].Value = alert.DeviceId;
                p["seq"].Value = alert.Sequence;
                p["kind"].Value = alert.Kind;
                p["severity"].Value = (int)alert.Severity;
                p["state"].Value = (int)alert.State;
                p["ts"].Value = alert.TimestampMs;
                p["attrs"].Value = (object?)AttributesJson(alert) ?? DBNull.Value;
                p["snapshot"].Value = (object?)alert.SnapshotRef ?? DBNull.Value;
                var position = await insert.ExecuteScalarAsync(cancellationToken);
                if (position is long pos)
                {
                    inserted[i] = true;
                    if (enqueueForward)
                    {
                        forward.Parameters["pos"].Value = pos;
                        await forward.ExecuteNonQueryAsync(cancellationToken);
                    }
                }
            }

            var touched = DevicesToTouch(alerts, receivedMs);
            foreach (var (site, device) in touched)
            {
                seen.Parameters["site"].Value = site;
                seen.Parameters["device"].Value = device;
                await seen.ExecuteNonQueryAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
            Touched(touched, receivedMs);
            return inserted;
        }
        catch
        {
            // A failed connection is rebuilt on the next batch.
            if (_writer is not null)
            {
                await _writer.DisposeAsync();
                _writer = null;
            }

            throw;
        }
        finally
        {
            _writerGate.Release();
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await _writerGate.WaitAsync();
        try
        {
            if (_writer is not null)
            {
                await _writer.DisposeAsync();
                _writer = null;
            }
        }
        finally
        {
            _writerGate.Release();
            _writerGate.Dispose();
        }

        SqliteConnection.ClearAllPools();
    }
}
