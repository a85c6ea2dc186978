using CloudRelay.Settings;
using CloudRelay.Database;
using EdgeGateway.Contracts;
using System.Security.Cryptography.X509Certificates;

namespace CloudRelay.Devices;

/// <summary>
/// Who may connect: per-device tokens (or client certificates by SHA-256 thumbprint), one-time claim codes
/// for installers, and online/offline plus last seen.
/// </summary>
public sealed class DeviceRegistry(IRelayStore store, TimeProvider time)
{
    public static readonly TimeSpan DefaultClaimCodeLifetime = TimeSpan.FromDays(7);

    /// <summary>
    /// Raised after a device's credentials changed in this process (added, token renewed, claimed, removed), so the
    /// broker can close sessions that the old credentials opened. Other processes hear of it through the store's
    /// signal (<see cref="IRelayStore.SignalCredentialsChangedAsync"/>).
    /// </summary>
    public event Action? CredentialsChanged;

    /// <summary>
    /// Registers a device and returns its credentials. A device that already holds a token or a certificate is refused
    /// with <see cref="DeviceTakenException"/> unless <paramref name="renew"/> (an admin's decision): then it gets a new
    /// token, and the old one and the sessions it opened end at once.
    /// </summary>
    public async Task<DeviceCredentials> AddAsync(string site, string device, string? certificateThumbprint = null, string? clientId = null,
        bool renew = false, CancellationToken cancellationToken = default)
    {
        Validate(site, device);
        if (clientId is not null && ClientIds.Problem(site, device, clientId) is { } problem)
        {
            throw new ArgumentException(problem, nameof(clientId));
        }

        await EnsureClientIdsFreeAsync(site, device, clientId, cancellationToken);
        var token = SecretTokens.NewToken();
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        if (!await store.RegisterDeviceAsync(site, device, SecretTokens.Hash(token), Normalize(certificateThumbprint), now, renew, cancellationToken))
        {
            throw new DeviceTakenException(
                $"device {site}/{device} is already registered; expected a new device, or an admin's renew (POST /api/devices?renew=true, 'cloud-relay devices add --renew'), which ends its current token");
        }

        if (clientId is not null)
        {
            await store.SetClientIdAsync(site, device, clientId, cancellationToken);
        }

        await ChangedAsync(cancellationToken);
        return Credentials(site, device, token);
    }

    /// <summary>
    /// Creates a one-time claim code for a device nobody holds yet (registering it without a token if it is new). A device
    /// with a token or a certificate is refused with <see cref="DeviceTakenException"/>: a claim would take it over.
    /// </summary>
    public async Task<string> CreateClaimCodeAsync(string site, string device, TimeSpan? lifetime = null, CancellationToken cancellationToken = default)
    {
        Validate(site, device);
        if (await store.FindDeviceAsync(site, device, cancellationToken) is { } existing && IsHeld(existing))
        {
            throw new DeviceTakenException(
                $"device {site}/{device} is already claimed; expected a device not yet claimed (to hand its name to a new box, an admin removes it first: 'cloud-relay devices remove')");
        }

        await EnsureClientIdsFreeAsync(site, device, null, cancellationToken);
        var now = time.GetUtcNow();
        await store.AddDeviceAsync(site, device, null, null, now.ToUnixTimeMilliseconds(), cancellationToken);
        var code = SecretTokens.NewClaimCode();
        var expires = now + (lifetime ?? DefaultClaimCodeLifetime);
        await store.SetClaimCodeAsync(site, device, SecretTokens.Hash(SecretTokens.NormalizeClaimCode(code)), expires.ToUnixTimeMilliseconds(), cancellationToken);
        return code;
    }

    /// <summary>True when the device has a token or a certificate, i.e. some box holds it.</summary>
    public static bool IsHeld(DeviceRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return record.TokenHash is not null || record.CertificateThumbprint is not null;
    }

    /// <summary>The device, or null when it is not registered.</summary>
    public Task<DeviceRecord?> FindAsync(string site, string device, CancellationToken cancellationToken = default) =>
        store.FindDeviceAsync(site, device, cancellationToken);

    /// <summary>Uses a claim code: returns fresh credentials once; a used, expired or unknown code, or one whose device was claimed since, gives null.</summary>
    public async Task<DeviceCredentials?> ClaimAsync(string code, CancellationToken cancellationToken = default)
    {
        var normalized = SecretTokens.NormalizeClaimCode(code);
        if (normalized.Length == 0)
        {
            return null;
        }

        var token = SecretTokens.NewToken();
        var device = await store.ConsumeClaimCodeAsync(SecretTokens.Hash(normalized), SecretTokens.Hash(token),
            time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken);
        if (device is null)
        {
            return null;
        }

        await ChangedAsync(cancellationToken);
        return Credentials(device.Site, device.Device, token);
    }

    /// <summary>The device a claim code would hand out (unused, unexpired), without using it up; null otherwise.</summary>
    public async Task<(string Site, string Device)?> FindClaimDeviceAsync(string code, CancellationToken cancellationToken = default)
    {
        var normalized = SecretTokens.NormalizeClaimCode(code);
        return normalized.Length == 0 ? null
            : await store.FindClaimCodeAsync(SecretTokens.Hash(normalized), time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken);
    }

    /// <summary>Checks a username (<c>site/device</c>) and token; returns the device, or null.</summary>
    public async Task<DeviceRecord?> AuthenticateAsync(string? username, string? password, CancellationToken cancellationToken = default)
    {
        if (username is null || password is null || !TrySplitUsername(username, out var site, out var device))
        {
            return null;
        }

        var record = await store.FindDeviceAsync(site, device, cancellationToken);
        return record is not null && SecretTokens.Matches(password, record.TokenHash) ? record : null;
    }

    /// <summary>Finds the device a client certificate belongs to, by SHA-256 thumbprint.</summary>
    public Task<DeviceRecord?> AuthenticateAsync(X509Certificate2 certificate, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return store.FindDeviceByThumbprintAsync(Thumbprint(certificate), cancellationToken);
    }

    public Task<IReadOnlyList<DeviceRecord>> ListAsync(CancellationToken cancellationToken = default) =>
        store.ListDevicesAsync(cancellationToken);

    public async Task<bool> RemoveAsync(string site, string device, CancellationToken cancellationToken = default)
    {
        var removed = await store.RemoveDeviceAsync(site, device, cancellationToken);
        await ChangedAsync(cancellationToken);
        return removed;
    }

    /// <summary>Calls <paramref name="changed"/> whenever any process changed a device's credentials, until cancelled.</summary>
    public Task WatchChangesAsync(Action changed, CancellationToken cancellationToken) =>
        store.WatchCredentialChangesAsync(changed, cancellationToken);

    private async Task ChangedAsync(CancellationToken cancellationToken)
    {
        CredentialsChanged?.Invoke();
        try
        {
            await store.SignalCredentialsChangedAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Data.Common.DbException)
        {
            // The change itself is committed; a relay that missed the signal finds it at its next periodic check.
        }
    }

    /// <summary>Records the outbox depth the box reported, and that it was seen.</summary>
    public Task RecordBacklogAsync(string site, string device, long backlog, CancellationToken cancellationToken = default) =>
        store.SetDeviceBacklogAsync(site, device, backlog, time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken);

    /// <summary>Records a birth (<c>online</c>), a Last Will (<c>offline</c>) or just activity (null).</summary>
    public Task MarkAsync(string site, string device, bool? online, CancellationToken cancellationToken = default) =>
        store.SetDeviceStatusAsync(site, device, online, time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken);

    public static string Thumbprint(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return certificate.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256).ToLowerInvariant();
    }

    public static bool TrySplitUsername(string username, out string site, out string device)
    {
        var parts = (username ?? string.Empty).Split('/');
        site = parts.Length == 2 ? parts[0] : string.Empty;
        device = parts.Length == 2 ? parts[1] : string.Empty;
        return parts.Length == 2 && DeviceNames.IsValid(site) && DeviceNames.IsValid(device);
    }

    private static DeviceCredentials Credentials(string site, string device, string token) =>
        new(site, device, DeviceKey.Of(site, device), token);

    private static string? Normalize(string? thumbprint) =>
        string.IsNullOrWhiteSpace(thumbprint) ? null : thumbprint.Replace(":", "", StringComparison.Ordinal).Trim().ToLowerInvariant();

    /// <summary>
    /// Names may hold '-', so <c>s-1/x</c> and <c>s/1-x</c> would both default to <c>edgegw-s-1-x</c> and each could
    /// take over the other's session. A device whose client ids are another device's is refused, in one line.
    /// </summary>
    private async Task EnsureClientIdsFreeAsync(string site, string device, string? clientId, CancellationToken cancellationToken)
    {
        var mine = Ids(site, device, clientId);
        foreach (var other in await store.ListDevicesAsync(cancellationToken))
        {
            if (other.Site == site && other.Device == device)
            {
                continue;
            }

            if (mine.Intersect(Ids(other.Site, other.Device, other.ClientId), StringComparer.Ordinal).FirstOrDefault() is { } shared)
            {
                throw new ArgumentException(
                    $"device {site}/{device}: client id '{shared}' already belongs to device {other.Site}/{other.Device}; expected a site and device whose edgegw-{{site}}-{{device}} is unique",
                    nameof(device));
            }
        }
    }

    private static string[] Ids(string site, string device, string? clientId) =>
        clientId is null ? [ClientIds.DefaultFor(site, device)] : [ClientIds.DefaultFor(site, device), clientId];

    private static void Validate(string site, string device)
    {
        if (!DeviceNames.IsValid(site))
        {
            throw new ArgumentException(DeviceNames.Describe("site", site), nameof(site));
        }

        if (!DeviceNames.IsValid(device))
        {
            throw new ArgumentException(DeviceNames.Describe("device", device), nameof(device));
        }
    }
}
