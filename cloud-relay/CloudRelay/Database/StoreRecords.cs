using EdgeGateway.Contracts;

namespace CloudRelay.Database;

/// <summary>An alert as the relay keeps it: the alert plus where it sits in ingest order.</summary>
public sealed record StoredAlert(long Position, Alert Alert, long ReceivedMs);

/// <summary>Filters for <c>GET /api/alerts</c>. <see cref="After"/> is the paging cursor (an ingest position).</summary>
public sealed record AlertQuery(
    string? Site = null,
    string? Device = null,
    string? Kind = null,
    AlertState? State = null,
    long? SinceMs = null,
    long? After = null,
    int Limit = 100);

/// <summary>One page of alerts in ingest order; <see cref="Next"/> is the cursor for the next page, or null at the end.</summary>
public sealed record AlertPage(IReadOnlyList<StoredAlert> Items, long? Next);

/// <summary>A registered device. Secrets are kept only as hashes.</summary>
public sealed record DeviceRecord(
    string Site,
    string Device,
    string? TokenHash,
    string? CertificateThumbprint,
    bool Online,
    long? LastSeenMs,
    long CreatedMs,
    string? ClientId = null,
    long? Backlog = null,
    long? BacklogMs = null)
{
    public string Key => DeviceKey.Of(Site, Device);
}

/// <summary>A platform API key: only its hash is kept. <see cref="Scope"/> is read, devices or admin.</summary>
public sealed record ApiKeyRecord(string Name, string KeyHash, string Scope, long CreatedMs, long? RevokedMs);

/// <summary>An alert, or a case event, waiting to be forwarded to the platform (neither: its row is gone, skip it).</summary>
public sealed record ForwardItem(long Position, Alert? Alert, CaseEventItem? CaseEvent = null);

/// <summary>The way the relay names a device in usernames and logs: <c>site/device</c>.</summary>
public static class DeviceKey
{
    public static string Of(string site, string device) => $"{site}/{device}";
}
