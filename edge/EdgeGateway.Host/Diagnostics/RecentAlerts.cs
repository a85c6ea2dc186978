using EdgeGateway.Core.Alerts;
using EdgeGateway.Core.Publishing;
using Microsoft.Extensions.Hosting;
using EdgeGateway.Contracts.Evidence;

namespace EdgeGateway.Host.Diagnostics;

/// <summary>
/// The newest alerts the gateway made durable, with their snapshots, for the alerts view. Fed by
/// <see cref="AlertPublisher.Published"/>; empty on a box whose uplink is not wired.
/// </summary>
internal sealed class RecentAlerts(GatewayParts parts, LiveFeed feed) : IHostedService
{
    public const int Capacity = 50;
    private readonly RingBuffer<(AlertView View, ReadOnlyMemory<byte> Snapshot)> _alerts = new(Capacity);
    private AlertPublisher? _publisher;

    /// <summary>Newest first.</summary>
    public IReadOnlyList<AlertView> List() => [.. _alerts.Snapshot().Select(a => a.View).Reverse()];

    public bool TryGetSnapshot(Guid id, out ReadOnlyMemory<byte> jpeg)
    {
        foreach (var (view, snapshot) in _alerts.Snapshot())
        {
            if (view.Id == id && !snapshot.IsEmpty)
            {
                jpeg = snapshot;
                return true;
            }
        }

        jpeg = default;
        return false;
    }

    public void Add(PublishedAlert published)
    {
        ArgumentNullException.ThrowIfNull(published);
        var alert = published.Alert;
        var snapshot = published.SnapshotJpeg.Length <= SnapshotLimits.MaxBytes ? published.SnapshotJpeg.ToArray() : ReadOnlyMemory<byte>.Empty;
        var view = new AlertView(
            alert.Id,
            alert.Sequence,
            alert.Kind,
            AlertJson.SeverityName(alert.Severity),
            AlertJson.StateName(alert.State),
            DateTimeOffset.FromUnixTimeMilliseconds(alert.TimestampMs),
            alert.Attributes,
            !snapshot.IsEmpty,
            alert.ClipRef is null ? null : $"/api/alerts/{alert.Id:D}/clip.mp4");
        _alerts.Add((view, snapshot));
        feed.Publish("alert", view);
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _publisher = parts.Publisher;
        if (_publisher is not null)
        {
            _publisher.Published += Add;
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        if (_publisher is not null)
        {
            _publisher.Published -= Add;
        }

        return Task.CompletedTask;
    }
}
