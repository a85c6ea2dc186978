using CloudRelay.Settings;
using CloudRelay.Database;

namespace CloudRelay.Api;

/// <summary>What became of the single unnamed admin key of relays before named keys.</summary>
public enum LegacyKeyState
{
    /// <summary>No such key: neither <c>Relay:ApiKey</c> nor the secrets file has one.</summary>
    None,

    /// <summary>Only the secrets file had it; it is now the stored key <c>legacy</c> and gone from the file.</summary>
    Moved,

    /// <summary><c>Relay:ApiKey</c> is the stored key <c>legacy</c> and works; its clear text stays in the configuration.</summary>
    Configured,

    /// <summary><c>Relay:ApiKey</c> was revoked, or differs from the key stored as <c>legacy</c>: it is not accepted.</summary>
    ConfiguredNotAccepted,
}

/// <summary>
/// Relays before named keys had one unnamed admin key, in <c>Relay:ApiKey</c> or generated into
/// <c>relay-secrets.json</c>, kept in clear. At start it becomes the named admin key <see cref="Name"/>, stored hashed
/// like any other and revocable with <c>api-key revoke --name legacy</c>; the secrets file forgets it. A name is never
/// reused, so a revoked <c>legacy</c> stays revoked even while the configuration still holds the key.
/// </summary>
public static class LegacyApiKey
{
    public const string Name = "legacy";

    public static async Task<LegacyKeyState> ImportAsync(IRelayStore store, RelaySecrets secrets, string? configured, long nowMs,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(secrets);
        var key = configured is { Length: > 0 } ? configured : secrets.StoredApiKey;
        if (key is null)
        {
            return LegacyKeyState.None;
        }

        var hash = SecretTokens.Hash(key);
        await store.AddApiKeyAsync(new ApiKeyRecord(Name, hash, ApiScopes.Admin, nowMs, null), cancellationToken);
        secrets.ForgetStoredApiKey();
        if (configured is not { Length: > 0 })
        {
            return LegacyKeyState.Moved;
        }

        var stored = (await store.ListApiKeysAsync(cancellationToken)).Single(k => k.Name == Name);
        return stored.KeyHash == hash && stored.RevokedMs is null ? LegacyKeyState.Configured : LegacyKeyState.ConfiguredNotAccepted;
    }
}
