using System.Globalization;
using System.Text;
using System.Text.Json;

namespace EdgeGateway.Contracts;

/// <summary>
/// The human-readable rendering of alert contract v1, for logs, debugging and the
/// <c>Uplink:Encoding=json</c> option. Written by hand so it trims and never reflects.
/// </summary>
public static class AlertJson
{
    public static string Render(Alert alert) => Encoding.UTF8.GetString(Encode(alert));

    public static byte[] Encode(Alert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        using var buffer = new MemoryStream(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, alert);
        }

        return buffer.ToArray();
    }

    public static void Write(Utf8JsonWriter writer, Alert alert)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(alert);
        writer.WriteStartObject();
        writer.WriteNumber("v", alert.SchemaVersion);
        writer.WriteString("id", alert.Id.ToString("D"));
        writer.WriteString("device", alert.DeviceId);
        writer.WriteString("site", alert.SiteId);
        writer.WriteNumber("seq", alert.Sequence);
        writer.WriteString("kind", alert.Kind);
        writer.WriteString("severity", SeverityName(alert.Severity));
        writer.WriteString("state", StateName(alert.State));
        writer.WriteNumber("ts", alert.TimestampMs);
        if (alert.Attributes.Count > 0)
        {
            writer.WriteStartObject("attrs");
            foreach (var (key, value) in alert.Attributes.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                writer.WriteString(key, value);
            }

            writer.WriteEndObject();
        }

        if (alert.SnapshotRef is not null)
        {
            writer.WriteString("snapshot", alert.SnapshotRef);
        }

        if (alert.ClipRef is not null)
        {
            writer.WriteString("clip", alert.ClipRef);
        }

        writer.WriteEndObject();
    }

    /// <summary>Parses the JSON rendering. Never throws: bad input comes back as a one-line error.</summary>
    public static AlertDecodeResult Decode(ReadOnlyMemory<byte> payload)
    {
        if (payload.Length == 0)
        {
            return AlertDecodeResult.Fail(AlertDecodeError.Empty, "alert payload is empty; expected a JSON object");
        }

        if (payload.Length > AlertLimits.MaxJsonPayloadBytes)
        {
            return AlertDecodeResult.Fail(AlertDecodeError.Oversized, $"alert payload is {payload.Length} bytes; expected at most {AlertLimits.MaxJsonPayloadBytes}");
        }

        try
        {
            using var document = JsonDocument.Parse(payload, new JsonDocumentOptions { MaxDepth = 4 });
            return Read(document.RootElement);
        }
        catch (AlertFieldException ex)
        {
            return AlertDecodeResult.Fail(ex.Kind, ex.Message);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            return AlertDecodeResult.Fail(AlertDecodeError.Malformed, $"alert payload is not valid JSON alert v{AlertLimits.SchemaVersion}: {ex.Message}");
        }
    }

    private static AlertDecodeResult Read(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return AlertDecodeResult.Fail(AlertDecodeError.Malformed, $"alert payload is a JSON {root.ValueKind}; expected an object");
        }

        int? version = root.TryGetProperty("v", out var v) ? v.GetInt32() : null;
        if (version > AlertLimits.SchemaVersion)
        {
            return AlertDecodeResult.Fail(AlertDecodeError.FutureVersion, $"alert schema version {version} is newer than this build reads (v{AlertLimits.SchemaVersion})");
        }

        Guid? id = null;
        if (root.TryGetProperty("id", out var idElement))
        {
            if (!Guid.TryParse(idElement.GetString(), CultureInfo.InvariantCulture, out var parsed))
            {
                return AlertDecodeResult.Fail(AlertDecodeError.InvalidField, $"alert id '{idElement}' is invalid; expected a UUID");
            }

            id = parsed;
        }

        Dictionary<string, string>? attributes = null;
        if (root.TryGetProperty("attrs", out var attrs) && attrs.ValueKind == JsonValueKind.Object)
        {
            attributes = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var property in attrs.EnumerateObject())
            {
                if (attributes.Count >= AlertLimits.MaxAttributes)
                {
                    return AlertDecodeResult.Fail(AlertDecodeError.Oversized, $"alert has more than {AlertLimits.MaxAttributes} attributes");
                }

                attributes[Bounded(property.Name)] = Bounded(property.Value.ValueKind == JsonValueKind.String
                    ? property.Value.GetString()!
                    : property.Value.GetRawText());
            }
        }

        return AlertFields.Build(
            version,
            id,
            Text(root, "device"),
            Text(root, "site"),
            root.TryGetProperty("seq", out var seq) ? seq.GetInt64() : null,
            Text(root, "kind"),
            root.TryGetProperty("severity", out var severity) ? ParseSeverity(severity) : null,
            root.TryGetProperty("state", out var state) ? ParseState(state) : null,
            root.TryGetProperty("ts", out var ts) ? ts.GetInt64() : null,
            attributes,
            Text(root, "snapshot"),
            Text(root, "clip"));
    }

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var element) && element.ValueKind == JsonValueKind.String
            ? Bounded(element.GetString()!)
            : null;

    private static string Bounded(string text) => AlertFields.CheckText(text);

    public static string SeverityName(AlertSeverity severity) => severity switch
    {
        AlertSeverity.Info => "info",
        AlertSeverity.Warning => "warning",
        AlertSeverity.Major => "major",
        AlertSeverity.Critical => "critical",
        _ => ((int)severity).ToString(CultureInfo.InvariantCulture),
    };

    public static string StateName(AlertState state) => state == AlertState.Cleared ? "cleared" : "raised";

    public static bool TryParseSeverity(string? text, out AlertSeverity severity)
    {
        severity = text switch
        {
            "info" => AlertSeverity.Info,
            "warning" => AlertSeverity.Warning,
            "major" => AlertSeverity.Major,
            "critical" => AlertSeverity.Critical,
            _ => (AlertSeverity)(-1),
        };
        return severity >= 0;
    }

    private static int? ParseSeverity(JsonElement element) =>
        element.ValueKind == JsonValueKind.Number ? element.GetInt32()
        : TryParseSeverity(element.GetString(), out var severity) ? (int)severity
        : -1;

    private static int? ParseState(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Number => element.GetInt32(),
        JsonValueKind.String when element.GetString() == "raised" => 0,
        JsonValueKind.String when element.GetString() == "cleared" => 1,
        _ => -1,
    };
}
