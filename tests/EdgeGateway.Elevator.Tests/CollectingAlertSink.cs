using System.Collections.Concurrent;
using EdgeGateway.Core.Alerts;

namespace EdgeGateway.Elevator.Tests;

/// <summary>Stands in for the outbox publisher: stamps and keeps every alert.</summary>
internal sealed class CollectingAlertSink : IAlertSink
{
    private long _sequence;

    public ConcurrentQueue<Alert> Alerts { get; } = new();

    public ValueTask<Alert> PublishAsync(AlertDraft draft, CancellationToken cancellationToken = default)
    {
        var alert = new Alert
        {
            Id = Guid.CreateVersion7(),
            DeviceId = "dev-1",
            SiteId = "site-1",
            Sequence = Interlocked.Increment(ref _sequence),
            Kind = draft.Kind,
            Severity = draft.Severity,
            State = draft.State,
            TimestampMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            Attributes = draft.Attributes ?? Alert.EmptyAttributes,
        };
        Alerts.Enqueue(alert);
        return ValueTask.FromResult(alert);
    }
}
