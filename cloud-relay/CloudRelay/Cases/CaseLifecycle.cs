namespace CloudRelay.Cases;

/// <summary>The states a case moves through, as stored and shown (<c>GET /api/cases?state=</c>).</summary>
public static class CaseStates
{
    public const string Open = "open";

    /// <summary>An operator has seen it.</summary>
    public const string Acknowledged = "acknowledged";

    /// <summary>The box sent the matching cleared alert; an operator still closes it.</summary>
    public const string ResolvedAtSource = "resolved_at_source";

    /// <summary>An operator closed it with a note.</summary>
    public const string Rectified = "rectified";

    /// <summary>Its deadline passed while it was still open.</summary>
    public const string Overdue = "overdue";

    public static readonly IReadOnlyList<string> All = [Open, Acknowledged, ResolvedAtSource, Rectified, Overdue];
}

/// <summary>What happens to a case.</summary>
public enum CaseAction
{
    /// <summary>The box raised the same violation again.</summary>
    RaisedAgain,

    /// <summary>The box sent the matching cleared alert.</summary>
    ClearedAtSource,

    /// <summary>The deadline passed.</summary>
    DeadlinePassed,

    Acknowledge,
    Rectify,
    Reopen,
}

/// <summary>
/// The one place that says which state a case moves to, or that it may not. The case tracker and the API both ask it;
/// the store applies the answer only if the case is still in the state the answer was computed from.
/// </summary>
public static class CaseLifecycle
{
    /// <summary>The state after <paramref name="action"/>, or null when the action does not apply in <paramref name="state"/>.</summary>
    /// <param name="requireOperatorClose">When true, a case the box cleared still becomes overdue.</param>
    public static string? Next(string state, CaseAction action, bool requireOperatorClose) => (action, state) switch
    {
        // The problem is back: the clock runs again from where it was.
        (CaseAction.RaisedAgain, CaseStates.ResolvedAtSource) => CaseStates.Open,
        (CaseAction.RaisedAgain, CaseStates.Open or CaseStates.Acknowledged or CaseStates.Overdue) => state,
        (CaseAction.ClearedAtSource, CaseStates.Open or CaseStates.Acknowledged or CaseStates.Overdue) => CaseStates.ResolvedAtSource,
        (CaseAction.DeadlinePassed, CaseStates.Open or CaseStates.Acknowledged) => CaseStates.Overdue,
        (CaseAction.DeadlinePassed, CaseStates.ResolvedAtSource) when requireOperatorClose => CaseStates.Overdue,
        (CaseAction.Acknowledge, CaseStates.Open) => CaseStates.Acknowledged,
        (CaseAction.Rectify, CaseStates.Open or CaseStates.Acknowledged or CaseStates.ResolvedAtSource or CaseStates.Overdue) => CaseStates.Rectified,
        (CaseAction.Reopen, CaseStates.Rectified or CaseStates.ResolvedAtSource) => CaseStates.Open,
        _ => null,
    };

    /// <summary>The states in which a deadline can pass, for the deadline query.</summary>
    public static IReadOnlyList<string> ClockRunning(bool requireOperatorClose) =>
        CaseStates.All.Where(s => Next(s, CaseAction.DeadlinePassed, requireOperatorClose) is not null).ToList();

    /// <summary>Every state but <see cref="CaseStates.Rectified"/>: an alert for the same subject joins such a case.</summary>
    public static bool IsUnclosed(string state) => state != CaseStates.Rectified;
}

/// <summary>Timeline entries; the four the platform needs go out through the webhook as <c>case.{type}</c>.</summary>
public static class CaseEventTypes
{
    public const string Opened = "opened";
    public const string Acknowledged = "acknowledged";
    public const string ResolvedAtSource = "resolved_at_source";
    public const string RaisedAgain = "raised_again";
    public const string Overdue = "overdue";
    public const string Rectified = "rectified";
    public const string Reopened = "reopened";

    /// <summary>True for the events forwarded to the platform.</summary>
    public static bool IsForwarded(string type) => type is Opened or Overdue or Rectified or Reopened;
}
