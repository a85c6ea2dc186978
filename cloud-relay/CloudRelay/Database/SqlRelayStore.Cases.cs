using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Text.Json;
using CloudRelay.Cases;
using EdgeGateway.Contracts;

namespace CloudRelay.Database;

/// <summary>Cases, in the SQL both databases share. Every change is guarded by the state it was decided from.</summary>
public abstract partial class SqlRelayStore
{
    private const string CaseColumns =
        "pos, id, site, device, kind, subject, state, opened_ms, deadline_ms, acknowledged_ms, resolved_ms, overdue_ms, rectified_ms, note, overdue_alert_id, updated_ms";

    private const string EventColumns = "id, type, state, deadline_ms, at_ms, actor, note";

    public async Task<int> ApplyInboxAsync(CaseRules rules, long nowMs, int max, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rules);
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var inbox = new List<(long Position, string Site, string Device, string Kind, AlertState State, string Subject)>();
        await using (var command = Command(connection, transaction, """
            SELECT i.alert_pos, a.site, a.device, a.kind, a.state, a.attrs FROM case_inbox i JOIN alerts a ON a.pos = i.alert_pos
            ORDER BY i.alert_pos LIMIT @max
            """, ("max", max)))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var attributes = reader.IsDBNull(5) ? Alert.EmptyAttributes
                    : JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(5)) ?? [];
                inbox.Add((Int64(reader, 0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                    (AlertState)Int64(reader, 4), CaseSubject.Of(attributes)));
            }
        }

        // A burst from one camera joins one case: read each subject's case once per batch, link and clear in bulk.
        var known = new Dictionary<(string, string, string, string), CaseRecord?>();
        var links = new List<(long Case, long Alert)>();
        foreach (var alert in inbox)
        {
            // A kind whose deadline was removed since the alert arrived opens nothing.
            if (!rules.Deadlines.TryGetValue(alert.Kind, out var deadline))
            {
                continue;
            }

            var key = (alert.Site, alert.Device, alert.Kind, alert.Subject);
            if (!known.TryGetValue(key, out var open))
            {
                var unclosed = await ReadCasesAsync(connection, transaction,
                    $"WHERE site = @site AND device = @device AND kind = @kind AND subject = @subject AND state <> '{CaseStates.Rectified}'",
                    cancellationToken, ("site", alert.Site), ("device", alert.Device), ("kind", alert.Kind), ("subject", alert.Subject));
                open = unclosed.Count == 0 ? null : unclosed[0];
            }

            if (open is null && alert.State == AlertState.Raised)
            {
                var id = Guid.CreateVersion7(DateTimeOffset.FromUnixTimeMilliseconds(nowMs));
                var deadlineMs = nowMs + (long)deadline.TotalMilliseconds;
                var casePosition = Convert.ToInt64(await ScalarAsync(connection, transaction, """
                    INSERT INTO cases (id, site, device, kind, subject, state, opened_ms, deadline_ms, updated_ms)
                    VALUES (@id, @site, @device, @kind, @subject, @state, @now, @deadline, @now) RETURNING pos
                    """, cancellationToken, ("id", id), ("site", alert.Site), ("device", alert.Device), ("kind", alert.Kind),
                    ("subject", alert.Subject), ("state", CaseStates.Open), ("now", nowMs), ("deadline", deadlineMs)), CultureInfo.InvariantCulture);
                open = new CaseRecord(casePosition, id, alert.Site, alert.Device, alert.Kind, alert.Subject, CaseStates.Open, nowMs, deadlineMs,
                    null, null, null, null, null, null, nowMs);
                links.Add((casePosition, alert.Position));
                await AddEventAsync(connection, transaction, rules, casePosition, CaseEventTypes.Opened, CaseStates.Open, deadlineMs, nowMs, null, null, cancellationToken);
            }
            else if (open is not null)
            {
                links.Add((open.Position, alert.Position));
                var (action, type) = alert.State == AlertState.Raised
                    ? (CaseAction.RaisedAgain, CaseEventTypes.RaisedAgain)
                    : (CaseAction.ClearedAtSource, CaseEventTypes.ResolvedAtSource);
                if (CaseLifecycle.Next(open.State, action, rules.RequireOperatorClose) is { } next && next != open.State)
                {
                    var resolvedMs = action == CaseAction.ClearedAtSource ? nowMs : open.ResolvedMs;
                    if (!await MoveAsync(connection, transaction, open, next, "resolved_ms = @value", resolvedMs, nowMs, cancellationToken))
                    {
                        // An operator changed the case meanwhile: undo the whole batch; the next turn sees the new state.
                        throw new DBConcurrencyException($"case {open.Id:D} changed while its alerts were applied");
                    }

                    await AddEventAsync(connection, transaction, rules, open.Position, type, next, open.DeadlineMs, nowMs, null, null, cancellationToken);
                    open = open with { State = next, ResolvedMs = resolvedMs, UpdatedMs = nowMs };
                }
            }

            known[key] = open;
        }

        foreach (var chunk in links.Chunk(200))
        {
            await ExecuteAsync(connection, transaction,
                "INSERT INTO case_alerts (case_pos, alert_pos) VALUES " + string.Join(", ", chunk.Select((_, i) => $"(@c{i}, @a{i})")) + " ON CONFLICT DO NOTHING",
                cancellationToken, [.. chunk.SelectMany((link, i) => new (string, object?)[] { ($"c{i}", link.Case), ($"a{i}", link.Alert) })]);
        }

        // By position, never by range: on PostgreSQL a lower position can still be committing and must stay in the inbox.
        foreach (var chunk in inbox.Chunk(200))
        {
            await ExecuteAsync(connection, transaction,
                "DELETE FROM case_inbox WHERE alert_pos IN (" + string.Join(", ", chunk.Select((_, i) => $"@p{i}")) + ")",
                cancellationToken, [.. chunk.Select((alert, i) => ($"p{i}", (object?)alert.Position))]);
        }

        await transaction.CommitAsync(cancellationToken);
        return inbox.Count;
    }

    public async Task<IReadOnlyList<StoredAlert>> FireOverdueAsync(CaseRules rules, long nowMs, int max, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rules);
        // Constants only, so the partial index on deadline_ms applies.
        var running = string.Join(", ", CaseLifecycle.ClockRunning(rules.RequireOperatorClose).Select(s => $"'{s}'"));
        await using var connection = await OpenAsync(cancellationToken);
        var due = await ReadCasesAsync(connection, null, $"WHERE deadline_ms <= @now AND state IN ({running}) ORDER BY deadline_ms LIMIT @max",
            cancellationToken, ("now", nowMs), ("max", max));
        var stored = new List<StoredAlert>();
        foreach (var overdue in due)
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            if (!await MoveAsync(connection, transaction, overdue, CaseStates.Overdue, "overdue_ms = @value", nowMs, nowMs, cancellationToken))
            {
                await transaction.RollbackAsync(cancellationToken);
                continue;
            }

            await AddEventAsync(connection, transaction, rules, overdue.Position, CaseEventTypes.Overdue, CaseStates.Overdue, overdue.DeadlineMs, nowMs, null, null, cancellationToken);
            StoredAlert? alert = null;
            if (overdue.OverdueAlertId is null)
            {
                var made = RectificationOverdue.For(overdue, nowMs);
                var position = await ScalarAsync(connection, transaction, $"""
                    INSERT INTO alerts (id, site, device, seq, kind, severity, state, ts_ms, attrs, snapshot, received_ms)
                    VALUES (@id, @site, @device, @seq, @kind, @severity, @state, @ts, @attrs, NULL, @now)
                    ON CONFLICT (id) DO NOTHING RETURNING pos
                    """, cancellationToken, ("id", made.Id), ("site", made.SiteId), ("device", made.DeviceId), ("seq", made.Sequence),
                    ("kind", made.Kind), ("severity", (int)made.Severity), ("state", (int)made.State), ("ts", made.TimestampMs),
                    ("attrs", AttributesJson(made)), ("now", nowMs));
                if (position is not null and not DBNull)
                {
                    var alertPosition = Convert.ToInt64(position, CultureInfo.InvariantCulture);
                    await LinkAlertAsync(connection, transaction, overdue.Position, alertPosition, cancellationToken);
                    if (rules.Forward)
                    {
                        await ExecuteAsync(connection, transaction, "INSERT INTO forward_queue (alert_pos) VALUES (@pos)", cancellationToken, ("pos", alertPosition));
                    }

                    alert = new StoredAlert(alertPosition, made, nowMs);
                }

                await ExecuteAsync(connection, transaction, "UPDATE cases SET overdue_alert_id = @alert WHERE pos = @pos", cancellationToken,
                    ("alert", made.Id), ("pos", overdue.Position));
            }

            await transaction.CommitAsync(cancellationToken);
            if (alert is not null)
            {
                stored.Add(alert);
            }
        }

        return stored;
    }

    public async Task<CaseActionOutcome> ApplyActionAsync(Guid caseId, CaseAction action, string actor, string? note, CaseRules rules, long nowMs,
        CancellationToken cancellationToken, CaseAttachment? attachment = null)
    {
        ArgumentNullException.ThrowIfNull(rules);
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var found = await ReadCasesAsync(connection, transaction, "WHERE id = @id", cancellationToken, ("id", caseId));
        if (found.Count == 0)
        {
            return CaseActionOutcome.NotFound;
        }

        var current = found[0];
        if (CaseLifecycle.Next(current.State, action, rules.RequireOperatorClose) is not { } next)
        {
            return CaseActionOutcome.Conflict;
        }

        var deadlineMs = current.DeadlineMs;
        bool moved;
        string type;
        switch (action)
        {
            case CaseAction.Acknowledge:
                type = CaseEventTypes.Acknowledged;
                moved = await MoveAsync(connection, transaction, current, next, "acknowledged_ms = @value", nowMs, nowMs, cancellationToken);
                break;
            case CaseAction.Rectify:
                type = CaseEventTypes.Rectified;
                moved = await MoveAsync(connection, transaction, current, next, "rectified_ms = @value, note = @note", nowMs, nowMs, cancellationToken, ("note", note));
                break;
            case CaseAction.Reopen:
                type = CaseEventTypes.Reopened;
                var others = await ScalarAsync(connection, transaction,
                    $"SELECT COUNT(*) FROM cases WHERE site = @site AND device = @device AND kind = @kind AND subject = @subject AND state <> '{CaseStates.Rectified}' AND pos <> @pos",
                    cancellationToken, ("site", current.Site), ("device", current.Device), ("kind", current.Kind), ("subject", current.Subject), ("pos", current.Position));
                if (Convert.ToInt64(others, CultureInfo.InvariantCulture) > 0)
                {
                    // A newer case for the same subject is open: that one carries on.
                    return CaseActionOutcome.Conflict;
                }

                // A fresh deadline from now: the kind's, or the case's own span if the kind has none any more.
                deadlineMs = nowMs + (rules.Deadlines.TryGetValue(current.Kind, out var span) ? (long)span.TotalMilliseconds : current.DeadlineMs - current.OpenedMs);
                moved = await MoveAsync(connection, transaction, current, next, "deadline_ms = @value, rectified_ms = NULL, resolved_ms = NULL", deadlineMs, nowMs, cancellationToken);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(action), action, "not an operator's action");
        }

        if (!moved)
        {
            return CaseActionOutcome.Conflict;
        }

        var eventId = await AddEventAsync(connection, transaction, rules, current.Position, type, next, deadlineMs, nowMs, actor, note, cancellationToken);
        if (attachment is not null)
        {
            // In the action's own transaction: a refused action keeps no file.
            await AddAttachmentAsync(connection, transaction, current.Position, eventId, attachment, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return CaseActionOutcome.Done;
    }

    public async Task<CasePage> QueryCasesAsync(CaseQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var (where, parameters, limit) = PageFilter(
            [("state = @state", "state", query.State), ("site = @site", "site", query.Site), ("device = @device", "device", query.Device),
             ("kind = @kind", "kind", query.Kind)], query.After, query.Limit);
        await using var connection = await OpenAsync(cancellationToken);
        var items = (await ReadCasesAsync(connection, null, where, cancellationToken, parameters)).ToList();
        var more = items.Count > limit;
        if (more)
        {
            items.RemoveAt(limit);
        }

        return new CasePage(items, more ? items[^1].Position : null);
    }

    public async Task<CaseDetail?> FindCaseAsync(Guid caseId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var found = await ReadCasesAsync(connection, null, "WHERE id = @id", cancellationToken, ("id", caseId));
        if (found.Count == 0)
        {
            return null;
        }

        var record = found[0];
        var alerts = new List<StoredAlert>();
        await using (var command = Command(connection, null, $"""
            SELECT {Prefixed("a.")} FROM case_alerts c JOIN alerts a ON a.pos = c.alert_pos WHERE c.case_pos = @pos ORDER BY a.pos DESC LIMIT @max
            """, ("pos", record.Position), ("max", CaseDetail.MaxAlerts)))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                alerts.Add(ReadAlert(reader));
            }
        }

        var timeline = new List<CaseEvent>();
        await using (var command = Command(connection, null, $"SELECT {EventColumns} FROM case_events WHERE case_pos = @pos ORDER BY pos", ("pos", record.Position)))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                timeline.Add(ReadEvent(reader, record.Id));
            }
        }

        alerts.Reverse();
        var alertCount = Convert.ToInt64(await ScalarAsync(connection, null, "SELECT COUNT(*) FROM case_alerts WHERE case_pos = @pos", cancellationToken,
            ("pos", record.Position)), CultureInfo.InvariantCulture);
        return new CaseDetail(record, alerts, alertCount, timeline);
    }

    /// <summary>The WHERE clause, ORDER and LIMIT of a page by position; the query asks one row more to know if there is a next page.</summary>
    private static (string Sql, (string, object?)[] Parameters, int Limit) PageFilter(
        IEnumerable<(string Clause, string Name, object? Value)> filters, long? after, int requestedLimit)
    {
        var sql = new StringBuilder("WHERE 1 = 1");
        var parameters = new List<(string, object?)>();
        foreach (var (clause, name, value) in filters.Append(("pos > @after", "after", after)))
        {
            if (value is not null)
            {
                sql.Append(" AND ").Append(clause);
                parameters.Add((name, value));
            }
        }

        var limit = Math.Clamp(requestedLimit, 1, 1000);
        sql.Append(" ORDER BY pos LIMIT @limit");
        parameters.Add(("limit", limit + 1));
        return (sql.ToString(), [.. parameters], limit);
    }

    private static async Task<CaseEventItem?> ReadCaseEventItemAsync(DbConnection connection, long eventPosition, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, null, $"""
            SELECT e.id, e.type, e.state, e.deadline_ms, e.at_ms, e.actor, e.note, {string.Join(", ", CaseColumns.Split(", ").Select(c => "c." + c))}
            FROM case_events e JOIN cases c ON c.pos = e.case_pos WHERE e.pos = @pos
            """, ("pos", eventPosition));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        var record = ReadCase(reader, 7);
        return new CaseEventItem(ReadEvent(reader, record.Id), record);
    }

    /// <summary>Sets the state (and one more column through <c>@value</c>) only if the case is still as it was read.</summary>
    private static async Task<bool> MoveAsync(DbConnection connection, DbTransaction transaction, CaseRecord current, string next, string set, object? value,
        long nowMs, CancellationToken cancellationToken, params (string, object?)[] more)
    {
        var updated = await ExecuteAsync(connection, transaction,
            $"UPDATE cases SET state = @next, {set}, updated_ms = @now WHERE pos = @pos AND state = @was AND updated_ms = @updated",
            cancellationToken, [("next", next), ("value", value), ("now", nowMs), ("pos", current.Position), ("was", current.State),
                ("updated", current.UpdatedMs), .. more]);
        return updated == 1;
    }

    private static Task<int> LinkAlertAsync(DbConnection connection, DbTransaction transaction, long casePosition, long alertPosition, CancellationToken cancellationToken) =>
        ExecuteAsync(connection, transaction, "INSERT INTO case_alerts (case_pos, alert_pos) VALUES (@case, @alert) ON CONFLICT DO NOTHING",
            cancellationToken, ("case", casePosition), ("alert", alertPosition));

    /// <summary>Adds a timeline entry (queued for the webhook when forwarded) and returns its id.</summary>
    private static async Task<Guid> AddEventAsync(DbConnection connection, DbTransaction transaction, CaseRules rules, long casePosition, string type, string state,
        long deadlineMs, long nowMs, string? actor, string? note, CancellationToken cancellationToken)
    {
        var id = Guid.CreateVersion7(DateTimeOffset.FromUnixTimeMilliseconds(nowMs));
        var position = Convert.ToInt64(await ScalarAsync(connection, transaction, """
            INSERT INTO case_events (id, case_pos, type, state, deadline_ms, at_ms, actor, note)
            VALUES (@id, @case, @type, @state, @deadline, @now, @actor, @note) RETURNING pos
            """, cancellationToken, ("id", id), ("case", casePosition), ("type", type),
            ("state", state), ("deadline", deadlineMs), ("now", nowMs), ("actor", actor), ("note", note)), CultureInfo.InvariantCulture);
        if (rules.Forward && CaseEventTypes.IsForwarded(type))
        {
            await ExecuteAsync(connection, transaction, "INSERT INTO forward_queue (case_event_pos) VALUES (@pos)", cancellationToken, ("pos", position));
        }

        return id;
    }

    private static async Task<IReadOnlyList<CaseRecord>> ReadCasesAsync(DbConnection connection, DbTransaction? transaction, string tail,
        CancellationToken cancellationToken, params (string, object?)[] parameters)
    {
        await using var command = Command(connection, transaction, $"SELECT {CaseColumns} FROM cases {tail}", parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var cases = new List<CaseRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            cases.Add(ReadCase(reader));
        }

        return cases;
    }

    private static CaseRecord ReadCase(DbDataReader reader, int offset = 0)
    {
        long? Optional(int i) => reader.IsDBNull(offset + i) ? null : Int64(reader, offset + i);
        return new CaseRecord(
            Int64(reader, offset),
            reader.GetGuid(offset + 1),
            reader.GetString(offset + 2),
            reader.GetString(offset + 3),
            reader.GetString(offset + 4),
            reader.GetString(offset + 5),
            reader.GetString(offset + 6),
            Int64(reader, offset + 7),
            Int64(reader, offset + 8),
            Optional(9),
            Optional(10),
            Optional(11),
            Optional(12),
            reader.IsDBNull(offset + 13) ? null : reader.GetString(offset + 13),
            reader.IsDBNull(offset + 14) ? null : reader.GetGuid(offset + 14),
            Int64(reader, offset + 15));
    }

    private static CaseEvent ReadEvent(DbDataReader reader, Guid caseId) => new(
        reader.GetGuid(0), caseId, reader.GetString(1), reader.GetString(2), Int64(reader, 3), Int64(reader, 4),
        reader.IsDBNull(5) ? null : reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6));

    private static long Int64(DbDataReader reader, int i) => Convert.ToInt64(reader.GetValue(i), CultureInfo.InvariantCulture);
}
