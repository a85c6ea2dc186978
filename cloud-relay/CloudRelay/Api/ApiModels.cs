using System.Text.Json.Serialization;
using CloudRelay.Devices;
using CloudRelay.Storage;
using EdgeGateway.Contracts;

namespace CloudRelay.Api;

/// <summary>An alert as the API shows it: the contract's JSON names plus the ingest position and time.</summary>
public sealed record AlertView(
    [property: JsonPropertyName("pos")] long Position,
    [property: JsonPropertyName("id")] Guid Id,
    [property: JsonPropertyName("site")] string Site,
    [property: JsonPropertyName("device")] string Device,
    [property: JsonPropertyName("seq")] long Sequence,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("severity")] string Severity,
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("ts")] long TimestampMs,
    [property: JsonPropertyName("attrs")] IReadOnlyDictionary<string, string> Attributes,
    [property: JsonPropertyName("snapshot")] string? Snapshot,
    [property: JsonPropertyName("received_ms")] long ReceivedMs)
{
    public static AlertView From(StoredAlert stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        var a = stored.Alert;
        return new AlertView(stored.Position, a.Id, a.SiteId, a.DeviceId, a.Sequence, a.Kind,
            AlertJson.SeverityName(a.Severity), AlertJson.StateName(a.State), a.TimestampMs, a.Attributes, a.SnapshotRef, stored.ReceivedMs);
    }
}

/// <summary>A page of alerts; pass <see cref="Next"/> back as <c>after</c> for the next page.</summary>
public sealed record AlertPageView(
    [property: JsonPropertyName("items")] IReadOnlyList<AlertView> Items,
    [property: JsonPropertyName("next")] string? Next);

public sealed record DeviceView(
    [property: JsonPropertyName("site")] string Site,
    [property: JsonPropertyName("device")] string Device,
    [property: JsonPropertyName("online")] bool Online,
    [property: JsonPropertyName("last_seen_ms")] long? LastSeenMs,
    [property: JsonPropertyName("has_token")] bool HasToken,
    [property: JsonPropertyName("has_certificate")] bool HasCertificate)
{
    public static DeviceView From(DeviceRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return new DeviceView(record.Site, record.Device, record.Online, record.LastSeenMs, record.TokenHash is not null, record.CertificateThumbprint is not null);
    }
}

public sealed record CredentialsView(
    [property: JsonPropertyName("site")] string Site,
    [property: JsonPropertyName("device")] string Device,
    [property: JsonPropertyName("username")] string Username,
    [property: JsonPropertyName("password")] string Password)
{
    public static CredentialsView From(DeviceCredentials credentials)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        return new CredentialsView(credentials.Site, credentials.Device, credentials.Username, credentials.Password);
    }
}

public sealed record DeviceRequest(
    [property: JsonPropertyName("site")] string? Site,
    [property: JsonPropertyName("device")] string? Device,
    [property: JsonPropertyName("cert_thumbprint")] string? CertificateThumbprint,
    [property: JsonPropertyName("client_id")] string? ClientId = null);

public sealed record ClaimRequest([property: JsonPropertyName("code")] string? Code);

public sealed record ClaimCodeView(
    [property: JsonPropertyName("site")] string Site,
    [property: JsonPropertyName("device")] string Device,
    [property: JsonPropertyName("code")] string Code);

public sealed record StatsView(
    [property: JsonPropertyName("ingest")] IngestStatsView Ingest,
    [property: JsonPropertyName("storage")] StorageStatsView Storage,
    [property: JsonPropertyName("forward")] ForwardStatsView Forward,
    [property: JsonPropertyName("devices")] DeviceStatsView Devices);

public sealed record IngestStatsView(
    [property: JsonPropertyName("received")] long Received,
    [property: JsonPropertyName("stored")] long Stored,
    [property: JsonPropertyName("duplicates")] long Duplicates,
    [property: JsonPropertyName("rejected")] long Rejected,
    [property: JsonPropertyName("rejects")] IReadOnlyDictionary<string, long> Rejects,
    [property: JsonPropertyName("store_failures")] long StoreFailures,
    [property: JsonPropertyName("auth_failures")] long AuthFailures,
    [property: JsonPropertyName("limits")] IReadOnlyDictionary<string, long> Limits);

public sealed record StorageStatsView(
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("alerts")] long Alerts);

public sealed record ForwardStatsView(
    [property: JsonPropertyName("enabled")] bool Enabled,
    [property: JsonPropertyName("backlog")] long Backlog,
    [property: JsonPropertyName("forwarded")] long Forwarded,
    [property: JsonPropertyName("failures")] long Failures,
    [property: JsonPropertyName("dead_letters")] long DeadLetters);

public sealed record DeviceStatsView(
    [property: JsonPropertyName("total")] int Total,
    [property: JsonPropertyName("online")] int Online);
