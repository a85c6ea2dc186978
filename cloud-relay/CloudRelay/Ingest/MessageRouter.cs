using System.Buffers;
using CloudRelay.Evidence;
using EdgeGateway.Contracts;

namespace CloudRelay.Ingest;

/// <summary>
/// What the relay does with each channel a device publishes on, for both broker heads. The embedded broker and the
/// shared subscriber call <see cref="RouteAsync"/> and only turn its result into their own acknowledgement: a PUBACK
/// reason code, or acknowledging the external broker's delivery (never on a failure, so it comes again).
/// </summary>
public sealed class MessageRouter(DeviceMessageIngestor alerts, EvidenceIngestor evidence, Fleet.FleetReports fleet, Health.HealthIngest health)
{
    /// <summary>The channels the relay takes; the shared subscriber subscribes to exactly these.</summary>
    public static IReadOnlyList<EdgeChannel> Channels { get; } =
        [EdgeChannel.Alert, EdgeChannel.State, EdgeChannel.Status, EdgeChannel.Telemetry, EdgeChannel.Snapshot, EdgeChannel.Clip, EdgeChannel.Evidence,
         EdgeChannel.ConfigReported, EdgeChannel.Health];

    /// <summary>The relay's result for a channel it takes; null for any other topic under the device's prefix (an ordinary MQTT message).</summary>
    public async Task<IngestResult?> RouteAsync(EdgeTopic topic, ReadOnlySequence<byte> payload, CancellationToken cancellationToken) => topic.Channel switch
    {
        EdgeChannel.Alert => await alerts.IngestAlertAsync(topic, payload, cancellationToken),
        EdgeChannel.State => await alerts.HandleStateAsync(topic, payload, cancellationToken),
        EdgeChannel.Status or EdgeChannel.Telemetry => await alerts.HandleActivityAsync(topic, payload, cancellationToken),
        EdgeChannel.Snapshot => await alerts.HandleSnapshotAsync(topic, payload, cancellationToken),
        EdgeChannel.Clip => await evidence.HandleClipAsync(topic, payload, cancellationToken),
        EdgeChannel.Evidence => await evidence.HandleEvidenceAsync(topic, payload, cancellationToken),
        EdgeChannel.ConfigReported => await fleet.HandleReportedAsync(topic, payload, cancellationToken),
        EdgeChannel.Health => await health.HandleHealthAsync(topic, payload, cancellationToken),
        _ => null,
    };
}
