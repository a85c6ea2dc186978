using CloudRelay.Cases;
using EdgeGateway.Contracts;

namespace CloudRelay.Database;

/// <summary>
/// Durable cases: opened and joined from alerts of a kind with a deadline (through the case inbox the alert writer
/// fills in the alert's own transaction), moved by deadlines and by operators, with a timeline of events. Every change
/// is one transaction that also queues what the platform must hear (the <c>rectification_overdue</c> alert, case events).
/// </summary>
public interface ICaseStore
{
    /// <summary>
    /// Moves up to <paramref name="max"/> alerts from the case inbox into cases, oldest first, in one transaction.
    /// Returns how many it took (0 when the inbox is empty).
    /// </summary>
    Task<int> ApplyInboxAsync(CaseRules rules, long nowMs, int max, CancellationToken cancellationToken);

    /// <summary>
    /// Marks up to <paramref name="max"/> cases whose deadline passed overdue, each in its own transaction, and stores one
    /// <c>rectification_overdue</c> alert per case (never a second one, even after a reopen). Returns the alerts newly stored.
    /// </summary>
    Task<IReadOnlyList<StoredAlert>> FireOverdueAsync(CaseRules rules, long nowMs, int max, CancellationToken cancellationToken);

    /// <summary>
    /// An operator's action; <see cref="CaseActionOutcome.Conflict"/> when the case's state does not allow it. An
    /// <paramref name="attachment"/> is stored with the action's timeline entry, in the same transaction.
    /// </summary>
    Task<CaseActionOutcome> ApplyActionAsync(Guid caseId, CaseAction action, string actor, string? note, CaseRules rules, long nowMs,
        CancellationToken cancellationToken, CaseAttachment? attachment = null);

    Task<CasePage> QueryCasesAsync(CaseQuery query, CancellationToken cancellationToken);

    /// <summary>The case with its latest alerts (oldest first) and timeline, or null.</summary>
    Task<CaseDetail?> FindCaseAsync(Guid caseId, CancellationToken cancellationToken);
}

/// <summary>What the store needs from the configuration to move cases.</summary>
/// <param name="Deadlines">The kinds that open a case, with their deadlines.</param>
/// <param name="RequireOperatorClose">When true, a deadline keeps running after the box cleared the alert.</param>
/// <param name="Forward">When true, the overdue alert and the forwarded events enter the webhook queue.</param>
public sealed record CaseRules(IReadOnlyDictionary<string, TimeSpan> Deadlines, bool RequireOperatorClose, bool Forward);

public enum CaseActionOutcome
{
    Done,
    NotFound,

    /// <summary>The action does not apply in the case's state, or another case for the same subject is open.</summary>
    Conflict,
}

/// <summary>A case as stored. <see cref="Subject"/> is the camera or car, or empty.</summary>
public sealed record CaseRecord(
    long Position,
    Guid Id,
    string Site,
    string Device,
    string Kind,
    string Subject,
    string State,
    long OpenedMs,
    long DeadlineMs,
    long? AcknowledgedMs,
    long? ResolvedMs,
    long? OverdueMs,
    long? RectifiedMs,
    string? Note,
    Guid? OverdueAlertId,
    long UpdatedMs);

/// <summary>One timeline entry.</summary>
public sealed record CaseEvent(Guid Id, Guid CaseId, string Type, string State, long DeadlineMs, long AtMs, string? Actor, string? Note);

/// <summary>A case event with the case it belongs to, as the webhook sends it.</summary>
public sealed record CaseEventItem(CaseEvent Event, CaseRecord Case);

public sealed record CaseQuery(
    string? State = null,
    string? Site = null,
    string? Device = null,
    string? Kind = null,
    long? After = null,
    int Limit = 100);

public sealed record CasePage(IReadOnlyList<CaseRecord> Items, long? Next);

/// <summary>A case with its latest <see cref="MaxAlerts"/> alerts (oldest first), how many it has in all, and its timeline.</summary>
public sealed record CaseDetail(CaseRecord Case, IReadOnlyList<StoredAlert> Alerts, long AlertCount, IReadOnlyList<CaseEvent> Timeline)
{
    /// <summary>A camera that keeps flagging joins one case with thousands of alerts; the detail shows the latest ones.</summary>
    public const int MaxAlerts = 200;
}
