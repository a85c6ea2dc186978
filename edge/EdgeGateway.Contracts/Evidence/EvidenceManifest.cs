using System.Globalization;
using System.Text.Json;

namespace EdgeGateway.Contracts.Evidence;

/// <summary>
/// What the box signs for an alert with a snapshot or a clip: the alert's id, device, site and kind, its raise time
/// and the SHA-256 (lowercase hex) of the snapshot and of the clip. The signature covers <see cref="ToBytes"/>
/// exactly; those bytes travel as they are, so anyone can check them with OpenSSL.
/// </summary>
public sealed record EvidenceManifest(
    Guid AlertId,
    string Device,
    string Site,
    string Kind,
    long RaisedMs,
    string? SnapshotSha256,
    string? ClipSha256)
{
    public byte[] ToBytes()
    {
        using var buffer = new MemoryStream(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("v", 1);
            writer.WriteString("alert_id", AlertId.ToString("D"));
            writer.WriteString("device", Device);
            writer.WriteString("site", Site);
            writer.WriteString("kind", Kind);
            writer.WriteNumber("raised_ms", RaisedMs);
            writer.WriteString("raised", DateTimeOffset.FromUnixTimeMilliseconds(RaisedMs).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
            WriteOptional(writer, "snapshot_sha256", SnapshotSha256);
            WriteOptional(writer, "clip_sha256", ClipSha256);
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>Parses signed manifest bytes; never throws.</summary>
    public static bool TryParse(ReadOnlySpan<byte> bytes, out EvidenceManifest? manifest, out string? error)
    {
        manifest = null;
        try
        {
            var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { MaxDepth = 2 });
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("alert_id", out var id) || !Guid.TryParse(id.GetString(), CultureInfo.InvariantCulture, out var alertId)
                || Text(root, "device") is not { } device || Text(root, "site") is not { } site || Text(root, "kind") is not { } kind
                || !root.TryGetProperty("raised_ms", out var raised) || !raised.TryGetInt64(out var raisedMs))
            {
                error = "manifest lacks alert_id, device, site, kind or raised_ms";
                return false;
            }

            manifest = new EvidenceManifest(alertId, device, site, kind, raisedMs, Text(root, "snapshot_sha256"), Text(root, "clip_sha256"));
            error = null;
            return true;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            error = $"manifest is not valid JSON: {ex.Message}";
            return false;
        }
    }

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static void WriteOptional(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }
}
