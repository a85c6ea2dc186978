using EdgeGateway.Contracts;

namespace CloudRelay.Database;

/// <summary>
/// Durable storage of the relay: alerts (idempotent by id), devices, and the forward queue.
/// SQLite and PostgreSQL implement it with the same SQL where they can.
/// </summary>
public interface IRelayStore : IAsyncDisposable
{
    /// <summary>A short name for logs and the bench line: <c>sqlite</c> or <c>postgres</c>.</summary>
    string Kind { get; }

    /// <summary>Applies the versioned schema migrations that are missing; returns the schema version.</summary>
    Task<int> MigrateAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Stores a batch in one transaction. Returns, per item, whether it was new (false = a duplicate id).
    /// When <paramref name="enqueueForward"/> is set, new alerts also enter the forward queue in the same transaction.
    /// </summary>
    Task<bool[]> InsertAlertsAsync(IReadOnlyList<Alert> alerts, long receivedMs, bool enqueueForward, CancellationToken cancellationToken);

    Task<AlertPage> QueryAlertsAsync(AlertQuery query, CancellationToken cancellationToken);

    Task<StoredAlert?> FindAlertAsync(Guid id, CancellationToken cancellationToken);

    Task<long> CountAlertsAsync(CancellationToken cancellationToken);

    Task AddDeviceAsync(string site, string device, string? tokenHash, string? certificateThumbprint, long nowMs, CancellationToken cancellationToken);

    /// <summary>
    /// Gives a device a token (and a certificate thumbprint when given) in one statement: a new device, or one that has
    /// neither yet (waiting for its claim), always; one that has credentials only when <paramref name="renew"/>.
    /// False when the device has credentials and <paramref name="renew"/> is false; nothing is changed then.
    /// </summary>
    Task<bool> RegisterDeviceAsync(string site, string device, string tokenHash, string? certificateThumbprint, long nowMs, bool renew,
        CancellationToken cancellationToken);

    /// <summary>Registers a client id of the device's own besides <c>edgegw-{site}-{device}</c> (null clears it).</summary>
    Task SetClientIdAsync(string site, string device, string? clientId, CancellationToken cancellationToken);

    /// <summary>Adds a named key; false when the name is taken.</summary>
    Task<bool> AddApiKeyAsync(ApiKeyRecord key, CancellationToken cancellationToken);

    Task<IReadOnlyList<ApiKeyRecord>> ListApiKeysAsync(CancellationToken cancellationToken);

    /// <summary>Marks a key revoked; false when no live key has that name.</summary>
    Task<bool> RevokeApiKeyAsync(string name, long nowMs, CancellationToken cancellationToken);

    Task<DeviceRecord?> FindDeviceAsync(string site, string device, CancellationToken cancellationToken);

    Task<DeviceRecord?> FindDeviceByThumbprintAsync(string thumbprint, CancellationToken cancellationToken);

    Task<IReadOnlyList<DeviceRecord>> ListDevicesAsync(CancellationToken cancellationToken);

    Task<bool> RemoveDeviceAsync(string site, string device, CancellationToken cancellationToken);

    Task SetTokenHashAsync(string site, string device, string tokenHash, CancellationToken cancellationToken);

    Task SetClaimCodeAsync(string site, string device, string codeHash, long expiresMs, CancellationToken cancellationToken);

    /// <summary>The device of an unused, unexpired claim code, without using it up; null otherwise.</summary>
    Task<(string Site, string Device)?> FindClaimCodeAsync(string codeHash, long nowMs, CancellationToken cancellationToken);

    /// <summary>
    /// Uses up a claim code atomically: if it exists, is unused and not expired, and its device has no token or
    /// certificate yet, marks it used, sets the device's new token hash and returns the device; otherwise null.
    /// </summary>
    Task<DeviceRecord?> ConsumeClaimCodeAsync(string codeHash, string newTokenHash, long nowMs, CancellationToken cancellationToken);

    /// <summary>Records the outbox depth a box reported (and that it was seen).</summary>
    Task SetDeviceBacklogAsync(string site, string device, long backlog, long nowMs, CancellationToken cancellationToken);

    Task SetDeviceStatusAsync(string site, string device, bool? online, long seenMs, CancellationToken cancellationToken);

    Task<IReadOnlyList<ForwardItem>> PeekForwardAsync(int max, CancellationToken cancellationToken);

    Task RemoveForwardAsync(long position, CancellationToken cancellationToken);

    Task<long> ForwardBacklogAsync(CancellationToken cancellationToken);

    /// <summary>
    /// The right to run the webhook forwarder, held by one relay process per database at a time, or null while
    /// another holds it. Relay instances sharing a PostgreSQL database all queue alerts for forwarding; the one
    /// holding the lease sends them, and another takes over when it stops.
    /// </summary>
    Task<IForwarderLease?> TryTakeForwarderLeaseAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Tells every relay process on this database that a device was removed or its credentials changed, so each
    /// closes the sessions that no longer hold at once, whichever process (the CLI, another instance) made the change.
    /// </summary>
    Task SignalCredentialsChangedAsync(CancellationToken cancellationToken);

    /// <summary>Calls <paramref name="changed"/> on every <see cref="SignalCredentialsChangedAsync"/>, from any process, until cancelled.</summary>
    Task WatchCredentialChangesAsync(Action changed, CancellationToken cancellationToken);
}

/// <summary>Held while forwarding; disposing it lets another instance take over.</summary>
public interface IForwarderLease : IAsyncDisposable
{
    /// <summary>False once the lease was lost (its database session ended), so the holder must stop forwarding.</summary>
    Task<bool> IsHeldAsync(CancellationToken cancellationToken);
}
