using System.Text.Json.Serialization;

namespace EdgeGateway.Core.Evidence;

/// <summary>
/// One alert's evidence waiting to go upstream: the signed manifest, and the clip with how far its upload was
/// confirmed. Kept as <c>{DataDir}/evidence/pending/{alertId}.json</c>, so an upload resumes after a reboot.
/// </summary>
public sealed class EvidenceItem
{
    [JsonPropertyName("alert_id")]
    public Guid AlertId { get; set; }

    [JsonPropertyName("created_ms")]
    public long CreatedMs { get; set; }

    [JsonPropertyName("manifest")]
    public byte[] Manifest { get; set; } = [];

    [JsonPropertyName("signature")]
    public byte[] Signature { get; set; } = [];

    [JsonPropertyName("key_id")]
    public string KeyId { get; set; } = string.Empty;

    /// <summary>True while a clip is to be sent first.</summary>
    [JsonPropertyName("clip")]
    public bool HasClip { get; set; }

    /// <summary>The SHA-256 of the bytes being uploaded, taken when the upload (re)starts at byte 0.</summary>
    [JsonPropertyName("upload_sha256")]
    public byte[]? UploadSha256 { get; set; }

    [JsonPropertyName("upload_bytes")]
    public long UploadBytes { get; set; }

    /// <summary>Bytes of the clip the relay confirmed.</summary>
    [JsonPropertyName("confirmed")]
    public long Confirmed { get; set; }

    [JsonPropertyName("restarts")]
    public int Restarts { get; set; }

    /// <summary>True once the upload's SHA-256 is taken (an empty or missing one means it starts at byte 0).</summary>
    [JsonIgnore]
    public bool UploadStarted => UploadSha256 is { Length: 32 };
}

[JsonSerializable(typeof(EvidenceItem))]
internal sealed partial class EvidenceItemJson : JsonSerializerContext;
