using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace EdgeGateway.Contracts.Fleet;

/// <summary>
/// The desired configuration the relay sends on <c>{prefix}/{site}/{device}/config/desired</c>: the device's merged
/// layers as a JSON object, the version (grows with every change that affects the device) and the SHA-256 of
/// <see cref="FleetDocument.Bytes"/>.
/// </summary>
public sealed record DesiredConfig(long Version, string Sha256, JsonObject Document)
{
    public static DesiredConfig Of(long version, JsonObject document) => new(version, FleetDocument.Sha256(document), document);

    public byte[] Encode() => JsonSerializer.SerializeToUtf8Bytes(new JsonObject
    {
        ["version"] = Version,
        ["sha256"] = Sha256,
        ["document"] = Document.DeepClone(),
    });

    /// <summary>Decodes a message; <paramref name="problem"/> is one line saying what is wrong with it.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> payload, out DesiredConfig? desired, out string? problem)
    {
        desired = null;
        if (payload.Length > FleetDocument.MaxBytes)
        {
            problem = $"desired configuration of {payload.Length} bytes is refused; expected at most {FleetDocument.MaxBytes}";
            return false;
        }

        try
        {
            if (JsonNode.Parse(payload) is not JsonObject root
                || root["version"]?.GetValueKind() != JsonValueKind.Number || root["version"]!.GetValue<long>() is not (> 0 and var version)
                || root["sha256"]?.GetValueKind() != JsonValueKind.String
                || root["document"] is not JsonObject document)
            {
                problem = "desired configuration is refused; expected {\"version\": <positive number>, \"sha256\": \"<hex>\", \"document\": {…}}";
                return false;
            }

            var sha = root["sha256"]!.GetValue<string>();
            document = (JsonObject)document.DeepClone();
            if (!string.Equals(sha, FleetDocument.Sha256(document), StringComparison.OrdinalIgnoreCase))
            {
                problem = $"desired configuration version {version} is refused; its sha256 '{sha}' does not match its document";
                return false;
            }

            desired = new DesiredConfig(version, sha.ToLowerInvariant(), document);
            problem = null;
            return true;
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
        {
            problem = $"desired configuration is refused; it is not JSON ({ex.Message})";
            return false;
        }
    }
}

/// <summary>The bytes of a fleet document as both programs hash them: compact JSON, members in their order.</summary>
public static class FleetDocument
{
    /// <summary>Larger than any real box's configuration by far; a bound on what a relay can make a box parse.</summary>
    public const int MaxBytes = 256 * 1024;

    public static byte[] Bytes(JsonObject document) => Encoding.UTF8.GetBytes(document.ToJsonString());

    public static string Sha256(JsonObject document) => Convert.ToHexStringLower(SHA256.HashData(Bytes(document)));

    /// <summary>Parses a layer or a document; <paramref name="problem"/> names the line and what was expected.</summary>
    public static bool TryParse(string text, out JsonObject? document, out string? problem)
    {
        document = null;
        try
        {
            if (JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }) is JsonObject parsed)
            {
                document = parsed;
                problem = null;
                return true;
            }

            problem = "expected a JSON object in the shape of gateway.json, e.g. {\"Vision\": {…}}";
            return false;
        }
        catch (JsonException ex)
        {
            problem = $"line {(ex.LineNumber ?? 0) + 1}: {ex.Message}";
            return false;
        }
    }
}

/// <summary>One health gate as the box measured it during a watch.</summary>
public sealed record FleetGate(string Name, bool Passed, string Value);

/// <summary>
/// What a box reports on <c>{prefix}/{site}/{device}/config/reported</c> about the desired version it last received:
/// a <see cref="FleetConfigStatus"/> word, the validator's or the gate's lines, the gates' values and the time.
/// </summary>
public sealed record ConfigReport(long Version, string Sha256, string Status, IReadOnlyList<string> Lines, IReadOnlyList<FleetGate> Gates, long TimeMs)
{
    /// <summary>Reports are small; this bounds what a device can make the relay store.</summary>
    public const int MaxBytes = 64 * 1024;

    public byte[] Encode() => JsonSerializer.SerializeToUtf8Bytes(ToJson());

    public JsonObject ToJson() => new()
    {
        ["version"] = Version,
        ["sha256"] = Sha256,
        ["status"] = Status,
        ["lines"] = new JsonArray([.. Lines.Select(l => (JsonNode?)JsonValue.Create(l))]),
        ["gates"] = new JsonArray([.. Gates.Select(g => (JsonNode?)new JsonObject { ["name"] = g.Name, ["passed"] = g.Passed, ["value"] = g.Value })]),
        ["time"] = TimeMs,
    };

    public static bool TryDecode(ReadOnlySpan<byte> payload, out ConfigReport? report, out string? problem)
    {
        report = null;
        if (payload.Length > MaxBytes)
        {
            problem = $"config report of {payload.Length} bytes is refused; expected at most {MaxBytes}";
            return false;
        }

        try
        {
            if (JsonNode.Parse(payload) is not JsonObject root
                || root["version"]?.GetValueKind() != JsonValueKind.Number
                || root["status"]?.GetValueKind() != JsonValueKind.String
                || root["time"]?.GetValueKind() != JsonValueKind.Number)
            {
                problem = "config report is refused; expected {\"version\", \"sha256\", \"status\", \"lines\", \"gates\", \"time\"}";
                return false;
            }

            var status = root["status"]!.GetValue<string>();
            if (!FleetConfigStatus.IsKnown(status))
            {
                problem = $"config report status '{status}' is refused; expected one of {string.Join(", ", FleetConfigStatus.All)}";
                return false;
            }

            var lines = root["lines"] as JsonArray ?? [];
            var gates = root["gates"] as JsonArray ?? [];
            report = new ConfigReport(
                root["version"]!.GetValue<long>(),
                root["sha256"]?.GetValue<string>() ?? string.Empty,
                status,
                [.. lines.Select(l => l?.GetValue<string>() ?? string.Empty)],
                [.. gates.OfType<JsonObject>().Select(g => new FleetGate(g["name"]?.GetValue<string>() ?? string.Empty, g["passed"]?.GetValue<bool>() ?? false, g["value"]?.GetValue<string>() ?? string.Empty))],
                root["time"]!.GetValue<long>());
            problem = null;
            return true;
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
        {
            problem = $"config report is refused; it is not the expected JSON ({ex.Message})";
            return false;
        }
    }
}
