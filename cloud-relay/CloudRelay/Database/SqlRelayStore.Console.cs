using System.Data.Common;
using System.Globalization;

namespace CloudRelay.Database;

/// <summary>The operators' console: operators, sessions, attachments and the live feed's reads, in the SQL both databases share.</summary>
public abstract partial class SqlRelayStore : IConsoleStore
{
    private const string OperatorColumns = "name, password_hash, role, language, created_ms";
    private const string AttachmentColumns = "t.id, c.id, t.event_id, t.file_name, t.content_type, t.size";

    public async Task<bool> AddOperatorAsync(OperatorRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        await using var connection = await OpenAsync(cancellationToken);
        return await ExecuteAsync(connection, null, $"""
            INSERT INTO operators ({OperatorColumns}) VALUES (@name, @hash, @role, @language, @created) ON CONFLICT (name) DO NOTHING
            """, cancellationToken, ("name", record.Name), ("hash", record.PasswordHash), ("role", record.Role), ("language", record.Language),
            ("created", record.CreatedMs)) > 0;
    }

    public Task<IReadOnlyList<OperatorRecord>> ListOperatorsAsync(CancellationToken cancellationToken) =>
        ReadOperatorsAsync("ORDER BY name", cancellationToken);

    public async Task<OperatorRecord?> FindOperatorAsync(string name, CancellationToken cancellationToken) =>
        (await ReadOperatorsAsync("WHERE name = @name", cancellationToken, ("name", name))) is [var found] ? found : null;

    public async Task<bool> RemoveOperatorAsync(string name, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, transaction, "DELETE FROM console_sessions WHERE operator = @name", cancellationToken, ("name", name));
        var removed = await ExecuteAsync(connection, transaction, "DELETE FROM operators WHERE name = @name", cancellationToken, ("name", name));
        await transaction.CommitAsync(cancellationToken);
        return removed > 0;
    }

    public async Task SetOperatorLanguageAsync(string name, string language, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await ExecuteAsync(connection, null, "UPDATE operators SET language = @language WHERE name = @name", cancellationToken,
            ("name", name), ("language", language));
    }

    public async Task AddSessionAsync(ConsoleSessionRecord session, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        await using var connection = await OpenAsync(cancellationToken);
        await ExecuteAsync(connection, null, """
            INSERT INTO console_sessions (token_hash, operator, csrf, created_ms, seen_ms) VALUES (@token, @operator, @csrf, @created, @seen)
            """, cancellationToken, ("token", session.TokenHash), ("operator", session.Operator), ("csrf", session.Csrf),
            ("created", session.CreatedMs), ("seen", session.SeenMs));
    }

    public async Task<(ConsoleSessionRecord Session, OperatorRecord Operator)?> FindSessionAsync(string tokenHash, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, null, $"""
            SELECT s.token_hash, s.operator, s.csrf, s.created_ms, s.seen_ms, {string.Join(", ", OperatorColumns.Split(", ").Select(c => "o." + c))}
            FROM console_sessions s JOIN operators o ON o.name = s.operator WHERE s.token_hash = @token
            """, ("token", tokenHash));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        var session = new ConsoleSessionRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2), Int64(reader, 3), Int64(reader, 4));
        return (session, ReadOperator(reader, 5));
    }

    public async Task TouchSessionAsync(string tokenHash, long seenMs, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await ExecuteAsync(connection, null, "UPDATE console_sessions SET seen_ms = @seen WHERE token_hash = @token", cancellationToken,
            ("token", tokenHash), ("seen", seenMs));
    }

    public async Task RemoveSessionAsync(string tokenHash, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await ExecuteAsync(connection, null, "DELETE FROM console_sessions WHERE token_hash = @token", cancellationToken, ("token", tokenHash));
    }

    public async Task<int> RemoveExpiredSessionsAsync(long createdBeforeMs, long seenBeforeMs, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await ExecuteAsync(connection, null, "DELETE FROM console_sessions WHERE created_ms < @created OR seen_ms < @seen", cancellationToken,
            ("created", createdBeforeMs), ("seen", seenBeforeMs));
    }

    public async Task<IReadOnlyList<CaseAttachmentInfo>> ListAttachmentsAsync(Guid caseId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, null, $"""
            SELECT {AttachmentColumns} FROM case_attachments t JOIN cases c ON c.pos = t.case_pos WHERE c.id = @case ORDER BY t.id
            """, ("case", caseId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var found = new List<CaseAttachmentInfo>();
        while (await reader.ReadAsync(cancellationToken))
        {
            found.Add(ReadAttachment(reader));
        }

        return found;
    }

    public async Task<(CaseAttachmentInfo Info, byte[] Data)?> FindAttachmentAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, null, $"""
            SELECT {AttachmentColumns}, t.data FROM case_attachments t JOIN cases c ON c.pos = t.case_pos WHERE t.id = @id
            """, ("id", id));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (ReadAttachment(reader), (byte[])reader.GetValue(6)) : null;
    }

    public async Task<(long Alerts, long CaseEvents)> LatestPositionsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var alerts = await ScalarAsync(connection, null, "SELECT COALESCE(MAX(pos), 0) FROM alerts", cancellationToken);
        var events = await ScalarAsync(connection, null, "SELECT COALESCE(MAX(pos), 0) FROM case_events", cancellationToken);
        return (Convert.ToInt64(alerts, CultureInfo.InvariantCulture), Convert.ToInt64(events, CultureInfo.InvariantCulture));
    }

    public async Task<IReadOnlyList<(long Position, CaseEventItem Item)>> CaseEventsAfterAsync(long after, int max, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var positions = new List<long>();
        await using (var command = Command(connection, null, "SELECT pos FROM case_events WHERE pos > @after ORDER BY pos LIMIT @max", ("after", after), ("max", max)))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                positions.Add(Int64(reader, 0));
            }
        }

        var items = new List<(long, CaseEventItem)>();
        foreach (var position in positions)
        {
            if (await ReadCaseEventItemAsync(connection, position, cancellationToken) is { } item)
            {
                items.Add((position, item));
            }
        }

        return items;
    }

    private static Task<int> AddAttachmentAsync(DbConnection connection, DbTransaction transaction, long casePosition, Guid eventId, CaseAttachment attachment,
        CancellationToken cancellationToken) =>
        ExecuteAsync(connection, transaction, """
            INSERT INTO case_attachments (id, case_pos, event_id, file_name, content_type, size, data) VALUES (@id, @case, @event, @name, @type, @size, @data)
            """, cancellationToken, ("id", attachment.Id), ("case", casePosition), ("event", eventId), ("name", attachment.FileName),
            ("type", attachment.ContentType), ("size", (long)attachment.Data.Length), ("data", attachment.Data));

    private async Task<IReadOnlyList<OperatorRecord>> ReadOperatorsAsync(string tail, CancellationToken cancellationToken, params (string, object?)[] parameters)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, null, $"SELECT {OperatorColumns} FROM operators {tail}", parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var found = new List<OperatorRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            found.Add(ReadOperator(reader, 0));
        }

        return found;
    }

    private static OperatorRecord ReadOperator(DbDataReader reader, int offset) => new(
        reader.GetString(offset), reader.GetString(offset + 1), reader.GetString(offset + 2),
        reader.IsDBNull(offset + 3) ? null : reader.GetString(offset + 3), Int64(reader, offset + 4));

    private static CaseAttachmentInfo ReadAttachment(DbDataReader reader) => new(
        reader.GetGuid(0), reader.GetGuid(1), reader.GetGuid(2), reader.GetString(3), reader.GetString(4), Int64(reader, 5));
}
