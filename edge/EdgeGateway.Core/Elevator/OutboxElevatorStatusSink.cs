using System.Globalization;
using System.Text.Json;
using EdgeGateway.Core.Outbox;

namespace EdgeGateway.Core.Elevator;

/// <summary>
/// Sends elevator status upstream through the outbox's status class (<c>edge/{site}/{device}/status</c>),
/// below alarms in priority and evicted before them when the disk budget is full.
/// </summary>
public sealed class OutboxElevatorStatusSink(IOutbox outbox, DeviceIdentity identity) : IElevatorStatusSink
{
    public ValueTask PublishStatusAsync(ElevatorStatus status, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(status);
        return outbox.EnqueueAsync(new OutboxMessage(OutboxClass.Status, Encode(status, identity)), cancellationToken);
    }

    public static byte[] Encode(ElevatorStatus status, DeviceIdentity identity)
    {
        ArgumentNullException.ThrowIfNull(status);
        ArgumentNullException.ThrowIfNull(identity);
        using var buffer = new MemoryStream(192);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("device", identity.DeviceId);
            writer.WriteString("site", identity.SiteId);
            writer.WriteNumber("ts", status.At.ToUnixTimeMilliseconds());
            if (status.Floor is { } floor)
            {
                writer.WriteNumber("floor", floor);
            }
            else
            {
                writer.WriteNull("floor");
            }

            writer.WriteString("direction", status.Direction);
            writer.WriteString("door", status.Door);
            writer.WriteBoolean("in_service", status.InService);
            writer.WriteNumber("speed_mps", Math.Round(status.SpeedMps, 2));
            writer.WriteString("state", status.State);
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }
}
