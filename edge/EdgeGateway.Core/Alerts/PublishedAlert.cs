namespace EdgeGateway.Core.Alerts;

/// <summary>An alert that is now durable in the outbox, with its snapshot (empty when none).</summary>
public sealed record PublishedAlert(Alert Alert, ReadOnlyMemory<byte> SnapshotJpeg);
