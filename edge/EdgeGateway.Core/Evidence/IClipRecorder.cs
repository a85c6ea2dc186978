namespace EdgeGateway.Core.Evidence;

/// <summary>
/// The recorder's side as evidence sees it: which cameras keep a pre-roll, and the MP4 of an alert, written once
/// the post-roll (extended while the violation lasts, up to the longest clip) has passed.
/// </summary>
public interface IClipRecorder
{
    /// <summary>True when <paramref name="camera"/> records, so its raised alerts reference a clip.</summary>
    bool Records(string camera);

    /// <summary>Writes the alert's clip and returns its path, or null when the stream had nothing to copy.</summary>
    Task<string?> RecordAsync(string camera, string kind, Guid alertId, DateTimeOffset raised, CancellationToken cancellationToken);

    /// <summary>The violation ended: its clips stop at the post-roll, or now if that is later.</summary>
    void Cleared(string camera, string kind, DateTimeOffset at);
}
