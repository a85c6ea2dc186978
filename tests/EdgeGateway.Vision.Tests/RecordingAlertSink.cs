using System.Collections.Concurrent;
using EdgeGateway.Core.Alerts;

namespace EdgeGateway.Vision.Tests;

/// <summary>Test double of the alert port: records every draft with the time it arrived.</summary>
internal sealed class RecordingAlertSink(TimeProvider time) : IAlertSink
{
    private readonly ConcurrentQueue<(AlertDraft Draft, DateTimeOffset At)> _drafts = new();

    public IReadOnlyList<(AlertDraft Draft, DateTimeOffset At)> Drafts => [.. _drafts];

    public ValueTask<Alert> PublishAsync(AlertDraft draft, CancellationToken cancellationToken = default)
    {
        _drafts.Enqueue((draft, time.GetUtcNow()));
        return ValueTask.FromResult(new Alert
        {
            Id = Guid.CreateVersion7(),
            DeviceId = "test",
            SiteId = "test",
            Sequence = _drafts.Count,
            Kind = draft.Kind,
            Severity = draft.Severity,
            State = draft.State,
            TimestampMs = time.GetUtcNow().ToUnixTimeMilliseconds(),
            Attributes = draft.Attributes ?? Alert.EmptyAttributes,
        });
    }
}
