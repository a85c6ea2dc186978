namespace EdgeGateway.Contracts;

/// <summary>
/// One alert as it travels upstream (contract v1). Created once at the edge; the relay
/// de-duplicates by <see cref="Id"/>.
/// </summary>
public sealed record Alert
{
    /// <summary>Time-ordered UUIDv7, created once at the edge.</summary>
    public required Guid Id { get; init; }

    public required string DeviceId { get; init; }

    public required string SiteId { get; init; }

    /// <summary>Per-device sequence number; strictly increasing across reboots, gaps allowed.</summary>
    public required long Sequence { get; init; }

    /// <summary>A code such as <c>no_mask</c>, <c>ebike_in_car</c> or <c>trapped</c>.</summary>
    public required string Kind { get; init; }

    public required AlertSeverity Severity { get; init; }

    public required AlertState State { get; init; }

    /// <summary>Unix time in milliseconds when the edge decided.</summary>
    public required long TimestampMs { get; init; }

    /// <summary>A few small attributes: camera, label, score, box, floor.</summary>
    public IReadOnlyDictionary<string, string> Attributes { get; init; } = EmptyAttributes;

    /// <summary>Reference to a JPEG snapshot sent separately, or null.</summary>
    public string? SnapshotRef { get; init; }

    /// <summary>Reference to the event's MP4 clip, sent separately after it is recorded (<c>clip/{id}</c>), or null. Contract v2.</summary>
    public string? ClipRef { get; init; }

    /// <summary>The schema version this alert is written as: v1 unless it references a clip, so relays that read only v1 keep taking clip-less alerts.</summary>
    public int SchemaVersion => ClipRef is null ? 1 : AlertLimits.SchemaVersion;

    public static IReadOnlyDictionary<string, string> EmptyAttributes { get; } =
        new Dictionary<string, string>(0, StringComparer.Ordinal);

    public bool Equals(Alert? other) =>
        other is not null
        && Id == other.Id
        && DeviceId == other.DeviceId
        && SiteId == other.SiteId
        && Sequence == other.Sequence
        && Kind == other.Kind
        && Severity == other.Severity
        && State == other.State
        && TimestampMs == other.TimestampMs
        && SnapshotRef == other.SnapshotRef
        && ClipRef == other.ClipRef
        && Attributes.Count == other.Attributes.Count
        && Attributes.All(kv => other.Attributes.TryGetValue(kv.Key, out var v) && v == kv.Value);

    public override int GetHashCode() => HashCode.Combine(Id, Sequence, Kind, State);
}
