using System.Text.Json;

namespace EdgeGateway.Contracts.Evidence;

/// <summary>
/// The message on <c>{prefix}/{site}/{device}/evidence/{alertId}</c>: the manifest bytes exactly as signed, the DER
/// signature (both base64) and the signing key's id, as JSON.
/// </summary>
public sealed record EvidenceEnvelope(byte[] Manifest, byte[] Signature, string KeyId)
{
    public byte[] Encode()
    {
        using var buffer = new MemoryStream(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("v", 1);
            writer.WriteBase64String("manifest", Manifest);
            writer.WriteBase64String("signature", Signature);
            writer.WriteString("key_id", KeyId);
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>Reads the message; never throws.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> payload, out EvidenceEnvelope? envelope, out string? error)
    {
        envelope = null;
        if (payload.Length is 0 or > EvidenceLimits.MaxEnvelopeBytes)
        {
            error = $"evidence message is {payload.Length} bytes; expected 1-{EvidenceLimits.MaxEnvelopeBytes}";
            return false;
        }

        try
        {
            var reader = new Utf8JsonReader(payload, new JsonReaderOptions { MaxDepth = 2 });
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("manifest", out var manifest) && manifest.TryGetBytesFromBase64(out var manifestBytes)
                && root.TryGetProperty("signature", out var signature) && signature.TryGetBytesFromBase64(out var signatureBytes)
                && root.TryGetProperty("key_id", out var keyId) && keyId.ValueKind == JsonValueKind.String)
            {
                envelope = new EvidenceEnvelope(manifestBytes, signatureBytes, keyId.GetString()!);
                error = null;
                return true;
            }

            error = "evidence message lacks manifest, signature (base64) or key_id";
            return false;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            error = $"evidence message is not valid JSON: {ex.Message}";
            return false;
        }
    }
}
