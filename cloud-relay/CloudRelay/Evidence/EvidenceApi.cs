using System.Text.Json;
using System.Text.Json.Serialization;
using CloudRelay.Api;
using CloudRelay.Database;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace CloudRelay.Evidence;

/// <summary><c>GET /api/alerts/{id}/clip</c> (MP4, with Range) and <c>GET /api/alerts/{id}/evidence</c> (the signed manifest and its result).</summary>
public static class EvidenceApi
{
    public static IEndpointRouteBuilder MapEvidenceApi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet("/api/alerts/{id:guid}/clip", GetClipAsync).AddEndpointFilter(RelayApi.RequireScope(ApiScopes.Read, ApiScopes.Cases));
        endpoints.MapGet("/api/alerts/{id:guid}/evidence", GetEvidenceAsync).AddEndpointFilter(RelayApi.RequireScope(ApiScopes.Read, ApiScopes.Cases));
        return endpoints;
    }

    private static async Task<Results<PhysicalFileHttpResult, NotFound>> GetClipAsync(
        Guid id, IEvidenceStore evidence, ClipFiles clips, CancellationToken cancellationToken)
    {
        // The stored record names the device, so the id alone never names a path.
        var record = await evidence.FindEvidenceAsync(id, cancellationToken);
        var path = record?.ClipMs is null || record.ClipDeletedMs is not null ? null : clips.FinalPath(record.Site, record.Device, id);
        return path is not null && File.Exists(path)
            ? TypedResults.PhysicalFile(path, "video/mp4", $"{id:D}.mp4", enableRangeProcessing: true)
            : TypedResults.NotFound();
    }

    private static async Task<Results<Ok<EvidenceView>, NotFound>> GetEvidenceAsync(
        Guid id, IEvidenceStore evidence, EvidenceVerifier verifier, CancellationToken cancellationToken)
    {
        var record = await evidence.FindEvidenceAsync(id, cancellationToken);
        if (record?.Manifest is null)
        {
            return TypedResults.NotFound();
        }

        // The key that signed this manifest, even after a rotation, so OpenSSL checks an older manifest too.
        var key = record.KeyId is null ? null : await evidence.FindDeviceKeyAsync(record.Site, record.Device, record.KeyId, cancellationToken);
        var (verified, note) = await verifier.CurrentAsync(record, cancellationToken);
        JsonElement? manifest = null;
        try
        {
            manifest = JsonDocument.Parse(record.Manifest).RootElement.Clone();
        }
        catch (JsonException)
        {
            // A manifest that is not JSON is still shown, as base64, with verified false.
        }

        return TypedResults.Ok(new EvidenceView(
            id, manifest, Convert.ToBase64String(record.Manifest), record.Signature is null ? null : Convert.ToBase64String(record.Signature),
            record.KeyId, verified == true, note,
            record.ClipSha256, record.ClipBytes, record.ClipMs is not null && record.ClipDeletedMs is null ? $"/api/alerts/{id:D}/clip" : null,
            key?.PublicKeyPem, key?.AddedMs, key?.RetiredMs));
    }
}

/// <summary>
/// An alert's evidence. <c>manifest_base64</c> holds the exact signed bytes and <c>signature</c> the DER signature:
/// with <c>public_key</c> (the key that signed it: <c>key_id</c>, valid from <c>key_valid_from_ms</c> until
/// <c>key_valid_until_ms</c>, null while current) OpenSSL checks one against the other on its own.
/// </summary>
public sealed record EvidenceView(
    [property: JsonPropertyName("alert_id")] Guid AlertId,
    [property: JsonPropertyName("manifest")] JsonElement? Manifest,
    [property: JsonPropertyName("manifest_base64")] string ManifestBase64,
    [property: JsonPropertyName("signature")] string? Signature,
    [property: JsonPropertyName("key_id")] string? KeyId,
    [property: JsonPropertyName("verified")] bool Verified,
    [property: JsonPropertyName("verify_note")] string? VerifyNote,
    [property: JsonPropertyName("clip_sha256")] string? ClipSha256,
    [property: JsonPropertyName("clip_bytes")] long? ClipBytes,
    [property: JsonPropertyName("clip")] string? Clip,
    [property: JsonPropertyName("public_key")] string? PublicKey,
    [property: JsonPropertyName("key_valid_from_ms")] long? KeyValidFromMs = null,
    [property: JsonPropertyName("key_valid_until_ms")] long? KeyValidUntilMs = null);
