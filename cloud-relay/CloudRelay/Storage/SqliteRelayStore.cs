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
    private const int RowsPerStatement = 64;
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, string> InsertStatements = new();

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
            await ExecuteAsync(connection, null, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 30000; PRAGMA wal_autocheckpoint = 4000;", cancellationToken);
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
            var newIds = new HashSet<Guid>();
            var positions = new List<long>();
            await using var transaction = (SqliteTransaction)await _writer.BeginTransactionAsync(cancellationToken);
            for (var offset = 0; offset < alerts.Count; offset += RowsPerStatement)
            {
                var rows = Math.Min(RowsPerStatement, alerts.Count - offset);
                await using var insert = Command(_writer, transaction, InsertSql(rows));
                for (var r = 0; r < rows; r++)
                {
                    AddRow(insert, r, alerts[offset + r], receivedMs);
                }

                await using var reader = await insert.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    positions.Add(reader.GetInt64(0));
                    newIds.Add(reader.GetGuid(1));
                }
            }

            if (enqueueForward && positions.Count > 0)
            {
                positions.Sort();
                await using var forward = Command(_writer, transaction, "INSERT INTO forward_queue (alert_pos) VALUES (@pos)", ("pos", 0L));
                foreach (var position in positions)
                {
                    forward.Parameters["pos"].Value = position;
                    await forward.ExecuteNonQueryAsync(cancellationToken);
                }
            }

            var touched = DevicesToTouch(alerts, receivedMs);
            if (touched.Count > 0)
            {
                await using var seen = Command(_writer, transaction,
                    "UPDATE devices SET last_seen_ms = @seen WHERE site = @site AND device = @device",
                    ("seen", receivedMs), ("site", ""), ("device", ""));
                foreach (var (site, device) in touched)
                {
                    seen.Parameters["site"].Value = site;
                    seen.Parameters["device"].Value = device;
                    await seen.ExecuteNonQueryAsync(cancellationToken);
                }
            }

            await transaction.CommitAsync(cancellationToken);
            Touched(touched, receivedMs);

            // An id repeated inside one batch is new only the first time.
            var inserted = new bool[alerts.Count];
            for (var i = 0; i < alerts.Count; i++)
            {
                inserted[i] = newIds.Remove(alerts[i].Id);
            }

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

    /// <summary>One multi-row INSERT per chunk: far fewer statement round trips through the driver than one per alert.</summary>
    private static string InsertSql(int rows) => InsertStatements.GetOrAdd(rows, n =>
    {
        var sql = new System.Text.StringBuilder(
            "INSERT INTO alerts (id, site, device, seq, kind, severity, state, ts_ms, attrs, snapshot, received_ms) VALUES ");
        for (var r = 0; r < n; r++)
        {
            sql.Append(r == 0 ? "" : ", ").Append(System.Globalization.CultureInfo.InvariantCulture,
                $"(@i{r}, @s{r}, @d{r}, @q{r}, @k{r}, @v{r}, @t{r}, @ts{r}, @a{r}, @p{r}, @received)");
        }

        return sql.Append(" ON CONFLICT (id) DO NOTHING RETURNING pos, id").ToString();
    });

    private static void AddRow(DbCommand command, int r, Alert alert, long receivedMs)
    {
        var p = (SqliteParameterCollection)command.Parameters;
        if (r == 0)
        {
            p.AddWithValue("@received", receivedMs);
        }

        p.AddWithValue($"@i{r}", alert.Id);
        p.AddWithValue($"@s{r}", alert.SiteId);
        p.AddWithValue($"@d{r}", alert.DeviceId);
        p.AddWithValue($"@q{r}", alert.Sequence);
        p.AddWithValue($"@k{r}", alert.Kind);
        p.AddWithValue($"@v{r}", (int)alert.Severity);
        p.AddWithValue($"@t{r}", (int)alert.State);
        p.AddWithValue($"@ts{r}", alert.TimestampMs);
        p.AddWithValue($"@a{r}", (object?)AttributesJson(alert) ?? DBNull.Value);
        p.AddWithValue($"@p{r}", (object?)alert.SnapshotRef ?? DBNull.Value);
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
