using System.Formats.Cbor;

namespace EdgeGateway.Contracts;

/// <summary>
/// Binary encoding of alert contract v1: a CBOR map with small integer keys, so a typical
/// alert stays well under 160 bytes. Unknown keys are skipped, so v1 readers accept fields
/// added later; a higher schema version is refused with a clear error.
/// </summary>
public static class AlertCbor
{
    private const int KeyVersion = 0;
    private const int KeyId = 1;
    private const int KeyDevice = 2;
    private const int KeySite = 3;
    private const int KeySequence = 4;
    private const int KeyKind = 5;
    private const int KeySeverity = 6;
    private const int KeyState = 7;
    private const int KeyTimestamp = 8;
    private const int KeyAttributes = 9;
    private const int KeySnapshot = 10;
    private const int KeyClip = 11;

    public static byte[] Encode(Alert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var writer = new CborWriter(CborConformanceMode.Strict, convertIndefiniteLengthEncodings: true);
        var fields = 9 + (alert.Attributes.Count > 0 ? 1 : 0) + (alert.SnapshotRef is null ? 0 : 1) + (alert.ClipRef is null ? 0 : 1);
        writer.WriteStartMap(fields);
        writer.WriteInt32(KeyVersion);
        writer.WriteInt32(alert.SchemaVersion);
        writer.WriteInt32(KeyId);
        Span<byte> id = stackalloc byte[16];
        AlertIds.WriteBytes(alert.Id, id);
        writer.WriteByteString(id);
        writer.WriteInt32(KeyDevice);
        writer.WriteTextString(alert.DeviceId);
        writer.WriteInt32(KeySite);
        writer.WriteTextString(alert.SiteId);
        writer.WriteInt32(KeySequence);
        writer.WriteInt64(alert.Sequence);
        writer.WriteInt32(KeyKind);
        writer.WriteTextString(alert.Kind);
        writer.WriteInt32(KeySeverity);
        writer.WriteInt32((int)alert.Severity);
        writer.WriteInt32(KeyState);
        writer.WriteInt32((int)alert.State);
        writer.WriteInt32(KeyTimestamp);
        writer.WriteInt64(alert.TimestampMs);
        if (alert.Attributes.Count > 0)
        {
            writer.WriteInt32(KeyAttributes);
            writer.WriteStartMap(alert.Attributes.Count);
            foreach (var (key, value) in alert.Attributes.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                writer.WriteTextString(key);
                writer.WriteTextString(value);
            }

            writer.WriteEndMap();
        }

        if (alert.SnapshotRef is not null)
        {
            writer.WriteInt32(KeySnapshot);
            writer.WriteTextString(alert.SnapshotRef);
        }

        if (alert.ClipRef is not null)
        {
            writer.WriteInt32(KeyClip);
            writer.WriteTextString(alert.ClipRef);
        }

        writer.WriteEndMap();
        return writer.Encode();
    }

    /// <summary>Decodes a payload. Never throws: bad input comes back as a one-line error.</summary>
    public static AlertDecodeResult Decode(ReadOnlyMemory<byte> payload)
    {
        if (payload.Length == 0)
        {
            return AlertDecodeResult.Fail(AlertDecodeError.Empty, "alert payload is empty; expected a CBOR map");
        }

        if (payload.Length > AlertLimits.MaxPayloadBytes)
        {
            return AlertDecodeResult.Fail(AlertDecodeError.Oversized, $"alert payload is {payload.Length} bytes; expected at most {AlertLimits.MaxPayloadBytes}");
        }

        try
        {
            var reader = new CborReader(payload, CborConformanceMode.Strict);
            var result = ReadAlert(reader);
            if (result.Success && reader.BytesRemaining > 0)
            {
                return AlertDecodeResult.Fail(AlertDecodeError.Malformed, $"alert payload has {reader.BytesRemaining} trailing bytes after the map");
            }

            return result;
        }
        catch (AlertFieldException ex)
        {
            return AlertDecodeResult.Fail(ex.Kind, ex.Message);
        }
        catch (Exception ex) when (ex is CborContentException or InvalidOperationException or FormatException
                                       or OverflowException or ArgumentException)
        {
            return AlertDecodeResult.Fail(AlertDecodeError.Malformed, $"alert payload is not valid CBOR alert v{AlertLimits.SchemaVersion}: {ex.Message}");
        }
    }

    private static AlertDecodeResult ReadAlert(CborReader reader)
    {
        if (reader.PeekState() != CborReaderState.StartMap)
        {
            return AlertDecodeResult.Fail(AlertDecodeError.Malformed, $"alert payload starts with {reader.PeekState()}; expected a CBOR map");
        }

        reader.ReadStartMap();
        int? version = null;
        Guid? id = null;
        string? device = null, site = null, kind = null, snapshot = null, clip = null;
        long? sequence = null, timestamp = null;
        int? severity = null, state = null;
        Dictionary<string, string>? attributes = null;

        while (reader.PeekState() != CborReaderState.EndMap)
        {
            var key = reader.ReadInt32();
            switch (key)
            {
                case KeyVersion:
                    version = reader.ReadInt32();
                    if (version > AlertLimits.SchemaVersion)
                    {
                        return AlertDecodeResult.Fail(AlertDecodeError.FutureVersion, $"alert schema version {version} is newer than this build reads (v{AlertLimits.SchemaVersion})");
                    }

                    break;
                case KeyId:
                    var bytes = reader.ReadByteString();
                    if (bytes.Length != 16)
                    {
                        return AlertDecodeResult.Fail(AlertDecodeError.InvalidField, $"alert id is {bytes.Length} bytes; expected 16");
                    }

                    id = AlertIds.FromBytes(bytes);
                    break;
                case KeyDevice:
                    device = ReadBoundedText(reader);
                    break;
                case KeySite:
                    site = ReadBoundedText(reader);
                    break;
                case KeySequence:
                    sequence = reader.ReadInt64();
                    break;
                case KeyKind:
                    kind = ReadBoundedText(reader);
                    break;
                case KeySeverity:
                    severity = reader.ReadInt32();
                    break;
                case KeyState:
                    state = reader.ReadInt32();
                    break;
                case KeyTimestamp:
                    timestamp = reader.ReadInt64();
                    break;
                case KeyAttributes:
                    attributes = ReadAttributes(reader);
                    break;
                case KeySnapshot:
                    snapshot = ReadBoundedText(reader);
                    break;
                case KeyClip:
                    clip = ReadBoundedText(reader);
                    break;
                default:
                    // A later v1 writer may add fields; skip what we do not know.
                    reader.SkipValue();
                    break;
            }
        }

        reader.ReadEndMap();
        return AlertFields.Build(version, id, device, site, sequence, kind, severity, state, timestamp, attributes, snapshot, clip);
    }

    private static Dictionary<string, string> ReadAttributes(CborReader reader)
    {
        var count = reader.ReadStartMap();
        if (count is null or > AlertLimits.MaxAttributes)
        {
            throw new AlertFieldException(AlertDecodeError.Oversized, $"attributes must be a definite map of at most {AlertLimits.MaxAttributes} entries");
        }

        var attributes = new Dictionary<string, string>(count.Value, StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var key = ReadBoundedText(reader);
            attributes[key] = ReadBoundedText(reader);
        }

        reader.ReadEndMap();
        return attributes;
    }

    private static string ReadBoundedText(CborReader reader) => AlertFields.CheckText(reader.ReadTextString());
}
