using System.Data.Common;
using EdgeGateway.Contracts;
using Microsoft.Data.Sqlite;

namespace CloudRelay.Database;

/// <summary>
/// The embedded default: one SQLite file in WAL mode with <c>synchronous=FULL</c>, so a committed batch
/// survives a power cut. One long-lived writer connection takes every alert batch (see <see cref="AlertBatchWriter"/>);
/// reads use pooled connections.
/// </summary>
public sealed class SqliteRelayStore : SqlRelayStore
{
    private readonly string _connectionString;
    private readonly SemaphoreSlim _writerGate = new(1, 1);
    private AlertBatchWriter? _writer;
    private int _disposed;

    /// <param name="caseKinds">Alert kinds that open a case (<see cref="Settings.CaseDeadlines"/>); none when null.</param>
    public SqliteRelayStore(string path, IReadOnlySet<string>? caseKinds = null)
        : base(caseKinds)
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
            _writer ??= new AlertBatchWriter((SqliteConnection)await OpenAsync(cancellationToken), CaseKinds);
            var touched = DevicesToTouch(alerts, receivedMs);
            var inserted = _writer.Write(alerts, receivedMs, enqueueForward, touched);
            Touched(touched, receivedMs);
            return inserted;
        }
        catch
        {
            // A failed connection is rebuilt on the next batch.
            _writer?.Dispose();
            _writer = null;
            throw;
        }
        finally
        {
            _writerGate.Release();
        }
    }

    /// <summary>One process owns a SQLite file, so it always forwards.</summary>
    public override Task<IForwarderLease?> TryTakeForwarderLeaseAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IForwarderLease?>(AlwaysHeld.Instance);

    private sealed class AlwaysHeld : IForwarderLease
    {
        public static readonly AlwaysHeld Instance = new();

        public Task<bool> IsHeldAsync(CancellationToken cancellationToken) => Task.FromResult(true);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    /// <summary>A file beside the database: processes sharing a SQLite file share its folder, and inotify wakes the watchers.</summary>
    public string CredentialSignalPath => FilePath + ".credentials-changed";

    public override Task SignalCredentialsChangedAsync(CancellationToken cancellationToken) =>
        File.WriteAllTextAsync(CredentialSignalPath, DateTimeOffset.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture), cancellationToken);

    public override async Task WatchCredentialChangesAsync(Action changed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(changed);
        var full = Path.GetFullPath(CredentialSignalPath);
        using var watcher = new FileSystemWatcher(Path.GetDirectoryName(full)!, Path.GetFileName(full))
        {
            NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size,
        };
        watcher.Changed += (_, _) => changed();
        watcher.Created += (_, _) => changed();
        watcher.EnableRaisingEvents = true;
        await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public override async ValueTask DisposeAsync()
    {
        // The container disposes the store once per service it is registered as (IRelayStore, ICaseStore).
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _writerGate.WaitAsync();
        try
        {
            _writer?.Dispose();
            _writer = null;
        }
        finally
        {
            _writerGate.Release();
            _writerGate.Dispose();
        }

        SqliteConnection.ClearAllPools();
    }
}
