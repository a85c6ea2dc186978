using System.Text.Json;

namespace EdgeGateway.Contracts.Telemetry;

/// <summary>
/// What a box tells the relay about its outbox, on <c>{prefix}/{site}/{device}/telemetry</c>, sent past the queue so it
/// arrives while a backlog waits: <c>{"site","device","outbox":{"depth":N,"bytes":B}}</c>.
/// </summary>
public sealed record BacklogReport(string Site, string Device, long Depth, long Bytes)
{
    public byte[] Encode()
    {
        using var buffer = new MemoryStream(128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("site", Site);
            writer.WriteString("device", Device);
            writer.WriteStartObject("outbox");
            writer.WriteNumber("depth", Depth);
            writer.WriteNumber("bytes", Bytes);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>The report in a telemetry payload, or null when the payload is something else or malformed; never throws.</summary>
    public static BacklogReport? TryRead(ReadOnlySpan<byte> payload)
    {
        if (payload.IsEmpty || payload.Length > 4096 || payload[0] != (byte)'{')
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(payload.ToArray());
            var root = document.RootElement;
            return root.TryGetProperty("outbox", out var outbox) && outbox.ValueKind == JsonValueKind.Object
                && outbox.TryGetProperty("depth", out var depth) && depth.TryGetInt64(out var depthValue) && depthValue >= 0
                && root.TryGetProperty("site", out var site) && site.ValueKind == JsonValueKind.String
                && root.TryGetProperty("device", out var device) && device.ValueKind == JsonValueKind.String
                ? new BacklogReport(site.GetString()!, device.GetString()!, depthValue,
                    outbox.TryGetProperty("bytes", out var bytes) && bytes.TryGetInt64(out var bytesValue) && bytesValue >= 0 ? bytesValue : 0)
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
