namespace EdgeGateway.Core.Alerts;

/// <summary>
/// What a rule or a state machine decided, before the gateway stamps identity, sequence and time.
/// </summary>
public sealed record AlertDraft(
    string Kind,
    AlertSeverity Severity,
    AlertState State,
    IReadOnlyDictionary<string, string>? Attributes = null)
{
    /// <summary>Optional JPEG snapshot, sent separately at a lower priority.</summary>
    public ReadOnlyMemory<byte> SnapshotJpeg { get; init; }

    /// <summary>
    /// The moment the rule fired, when the rule knows it (the elevator machine evaluates a timer at its own due
    /// time); null means "now" at publishing. Live alerts and replay then carry the same timestamp.
    /// </summary>
    public DateTimeOffset? At { get; init; }
}
