namespace CloudRelay.Database;

/// <summary>
/// What the operators' console keeps in the relay's database, so every relay instance on one database sees the same
/// operators, sessions and attachments: named operators with a password hash and a role, login sessions (only a hash
/// of each session token), rectification attachments, and the positions the live feed follows.
/// </summary>
public interface IConsoleStore
{
    /// <summary>False when an operator of that name exists already.</summary>
    Task<bool> AddOperatorAsync(OperatorRecord record, CancellationToken cancellationToken);

    Task<IReadOnlyList<OperatorRecord>> ListOperatorsAsync(CancellationToken cancellationToken);

    Task<OperatorRecord?> FindOperatorAsync(string name, CancellationToken cancellationToken);

    /// <summary>Removes the operator and ends their sessions; false when there was none.</summary>
    Task<bool> RemoveOperatorAsync(string name, CancellationToken cancellationToken);

    Task SetOperatorLanguageAsync(string name, string language, CancellationToken cancellationToken);

    Task AddSessionAsync(ConsoleSessionRecord session, CancellationToken cancellationToken);

    /// <summary>The session with its operator as stored now (a removed operator has no session).</summary>
    Task<(ConsoleSessionRecord Session, OperatorRecord Operator)?> FindSessionAsync(string tokenHash, CancellationToken cancellationToken);

    Task TouchSessionAsync(string tokenHash, long seenMs, CancellationToken cancellationToken);

    Task RemoveSessionAsync(string tokenHash, CancellationToken cancellationToken);

    /// <summary>Removes sessions created before <paramref name="createdBeforeMs"/> or idle since before <paramref name="seenBeforeMs"/>.</summary>
    Task<int> RemoveExpiredSessionsAsync(long createdBeforeMs, long seenBeforeMs, CancellationToken cancellationToken);

    /// <summary>The attachments of a case (without their bytes), oldest first.</summary>
    Task<IReadOnlyList<CaseAttachmentInfo>> ListAttachmentsAsync(Guid caseId, CancellationToken cancellationToken);

    /// <summary>An attachment with its bytes, or null.</summary>
    Task<(CaseAttachmentInfo Info, byte[] Data)?> FindAttachmentAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>The newest alert and case event positions: where a live feed starts.</summary>
    Task<(long Alerts, long CaseEvents)> LatestPositionsAsync(CancellationToken cancellationToken);

    /// <summary>Case events after <paramref name="after"/> with their cases, oldest first.</summary>
    Task<IReadOnlyList<(long Position, CaseEventItem Item)>> CaseEventsAfterAsync(long after, int max, CancellationToken cancellationToken);
}

/// <summary>A console operator. <see cref="Language"/> is the one they chose, or null to follow the browser.</summary>
public sealed record OperatorRecord(string Name, string PasswordHash, string Role, string? Language, long CreatedMs);

/// <summary>A login session; the cookie carries the token, the database only its SHA-256.</summary>
public sealed record ConsoleSessionRecord(string TokenHash, string Operator, string Csrf, long CreatedMs, long SeenMs);

/// <summary>A file an operator attached when rectifying, already checked (type, size).</summary>
public sealed record CaseAttachment(Guid Id, string FileName, string ContentType, byte[] Data);

/// <summary>An attachment as listed: <see cref="EventId"/> is the timeline entry it belongs to.</summary>
public sealed record CaseAttachmentInfo(Guid Id, Guid CaseId, Guid EventId, string FileName, string ContentType, long Size);
