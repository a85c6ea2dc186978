using EdgeGateway.Core.Alerts;
using EdgeGateway.Core.Outbox;

namespace EdgeGateway.Core.Publishing;

/// <summary>
/// Turns a draft into a stamped alert (id, device, site, sequence, time: the draft's own moment, else now) and puts it in the
/// outbox. The snapshot, if any, goes in first at its lower priority, so the alert that
/// references it never arrives before the snapshot has been queued.
/// </summary>
public sealed class AlertPublisher(
    DeviceIdentity identity,
    IAlertSequence sequence,
    IOutbox outbox,
    TimeProvider time,
    AlertEncoding encoding = AlertEncoding.Cbor,
    Evidence.IClipRecorder? clips = null) : IAlertSink
{
    /// <summary>Raised after an alert is durable; the diagnostics page and the demo watch it.</summary>
    public event Action<PublishedAlert>? Published;

    public async ValueTask<Alert> PublishAsync(AlertDraft draft, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(draft);
        var id = AlertIds.NewId(time);
        var hasSnapshot = !draft.SnapshotJpeg.IsEmpty;
        var alert = new Alert
        {
            Id = id,
            DeviceId = identity.DeviceId,
            SiteId = identity.SiteId,
            Sequence = sequence.Take(),
            Kind = draft.Kind,
            Severity = draft.Severity,
            State = draft.State,
            TimestampMs = (draft.At ?? time.GetUtcNow()).ToUnixTimeMilliseconds(),
            Attributes = draft.Attributes ?? Alert.EmptyAttributes,
            SnapshotRef = hasSnapshot ? SnapshotReference(id) : null,
            ClipRef = RecordsClip(draft) ? EdgeTopic.ClipReference(id) : null,
        };

        var payload = encoding == AlertEncoding.Json ? AlertJson.Encode(alert) : AlertCbor.Encode(alert);
        // The relay's own decoder and limits: an alert it would refuse never enters the outbox.
        if (AlertLimits.Check(payload, encoding) is { Success: false } refused)
        {
            throw new AlertRefusedException(refused.Kind, $"alert {draft.Kind} was not queued: {refused.Error}");
        }

        if (hasSnapshot)
        {
            await outbox.EnqueueAsync(new OutboxMessage(OutboxClass.Snapshot, draft.SnapshotJpeg, id), cancellationToken);
        }

        await outbox.EnqueueAsync(new OutboxMessage(OutboxClass.Alarm, payload, id), cancellationToken);
        Published?.Invoke(new PublishedAlert(alert, draft.SnapshotJpeg));
        return alert;
    }

    /// <summary>A raised alert from a camera that keeps a pre-roll gets a clip (contract v2).</summary>
    private bool RecordsClip(AlertDraft draft) =>
        clips is not null && draft.State == AlertState.Raised
        && draft.Attributes?.TryGetValue("camera", out var camera) == true && clips.Records(camera);

    /// <summary>The snapshot's topic suffix under the device, e.g. <c>snapshot/0190…</c>.</summary>
    public static string SnapshotReference(Guid alertId) => EdgeTopic.SnapshotReference(alertId);
}
