using EdgeGateway.Contracts;
using Microsoft.Data.Sqlite;

namespace CloudRelay.Database;

/// <summary>
/// The SQLite hot path: one writer connection with its statements prepared once and reused for every row of
/// every batch. Preparing a statement, binding parameters by name and reading <c>RETURNING</c> rows cost more
/// per alert than the insert itself; here each alert is one bind-and-step, and "was it new" is the row count.
/// </summary>
internal sealed class AlertBatchWriter : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _insert;
    private readonly SqliteParameter _id, _site, _device, _sequence, _kind, _severity, _state, _timestamp, _attributes, _snapshot, _clip, _received;
    private readonly SqliteCommand _enqueueForward;
    private readonly SqliteCommand _enqueueCase;
    private readonly IReadOnlySet<string> _caseKinds;
    private readonly SqliteCommand _touch;
    private readonly SqliteParameter _touchSeen, _touchSite, _touchDevice;

    /// <param name="caseKinds">A new alert of one of these kinds also enters the case inbox.</param>
    public AlertBatchWriter(SqliteConnection connection, IReadOnlySet<string> caseKinds)
    {
        _connection = connection;
        _caseKinds = caseKinds;
        _insert = connection.CreateCommand();
        _insert.CommandText = """
            INSERT INTO alerts (id, site, device, seq, kind, severity, state, ts_ms, attrs, snapshot, clip, received_ms)
            VALUES ($id, $site, $device, $seq, $kind, $severity, $state, $ts, $attrs, $snapshot, $clip, $received)
            ON CONFLICT (id) DO NOTHING
            """;
        _id = Parameter(_insert, "$id");
        _site = Parameter(_insert, "$site");
        _device = Parameter(_insert, "$device");
        _sequence = Parameter(_insert, "$seq");
        _kind = Parameter(_insert, "$kind");
        _severity = Parameter(_insert, "$severity");
        _state = Parameter(_insert, "$state");
        _timestamp = Parameter(_insert, "$ts");
        _attributes = Parameter(_insert, "$attrs");
        _snapshot = Parameter(_insert, "$snapshot");
        _clip = Parameter(_insert, "$clip");
        _received = Parameter(_insert, "$received");

        // Runs right after a successful insert on the same connection, so last_insert_rowid() is that alert's position.
        _enqueueForward = connection.CreateCommand();
        _enqueueForward.CommandText = "INSERT INTO forward_queue (alert_pos) VALUES (last_insert_rowid())";

        // case_inbox's key is the alert's position and so its rowid: last_insert_rowid() stays the alert's for the forward queue.
        _enqueueCase = connection.CreateCommand();
        _enqueueCase.CommandText = "INSERT INTO case_inbox (alert_pos) VALUES (last_insert_rowid())";

        _touch = connection.CreateCommand();
        _touch.CommandText = "UPDATE devices SET last_seen_ms = $seen WHERE site = $site AND device = $device";
        _touchSeen = Parameter(_touch, "$seen");
        _touchSite = Parameter(_touch, "$site");
        _touchDevice = Parameter(_touch, "$device");
    }

    /// <summary>Stores the batch in one transaction; per alert, true if new. An id repeated within the batch is new once.</summary>
    public bool[] Write(IReadOnlyList<Alert> alerts, long receivedMs, bool enqueueForward, IReadOnlyList<(string Site, string Device)> touched)
    {
        using var transaction = _connection.BeginTransaction();
        _insert.Transaction = transaction;
        _enqueueForward.Transaction = transaction;
        _enqueueCase.Transaction = transaction;
        _touch.Transaction = transaction;

        var inserted = new bool[alerts.Count];
        _received.Value = receivedMs;
        for (var i = 0; i < alerts.Count; i++)
        {
            var alert = alerts[i];
            _id.Value = alert.Id;
            _site.Value = alert.SiteId;
            _device.Value = alert.DeviceId;
            _sequence.Value = alert.Sequence;
            _kind.Value = alert.Kind;
            _severity.Value = (int)alert.Severity;
            _state.Value = (int)alert.State;
            _timestamp.Value = alert.TimestampMs;
            _attributes.Value = (object?)SqlRelayStore.AttributesJson(alert) ?? DBNull.Value;
            _snapshot.Value = (object?)alert.SnapshotRef ?? DBNull.Value;
            _clip.Value = (object?)alert.ClipRef ?? DBNull.Value;
            inserted[i] = _insert.ExecuteNonQuery() == 1;
            if (inserted[i] && _caseKinds.Contains(alert.Kind))
            {
                _enqueueCase.ExecuteNonQuery();
            }

            if (inserted[i] && enqueueForward)
            {
                _enqueueForward.ExecuteNonQuery();
            }
        }

        _touchSeen.Value = receivedMs;
        foreach (var (site, device) in touched)
        {
            _touchSite.Value = site;
            _touchDevice.Value = device;
            _touch.ExecuteNonQuery();
        }

        transaction.Commit();
        return inserted;
    }

    public void Dispose()
    {
        _insert.Dispose();
        _enqueueForward.Dispose();
        _enqueueCase.Dispose();
        _touch.Dispose();
        _connection.Dispose();
    }

    private static SqliteParameter Parameter(SqliteCommand command, string name)
    {
        var parameter = new SqliteParameter { ParameterName = name, Value = DBNull.Value };
        command.Parameters.Add(parameter);
        return parameter;
    }
}
