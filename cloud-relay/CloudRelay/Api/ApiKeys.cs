using System.Security.Cryptography;
using System.Text;
using CloudRelay.Settings;
using CloudRelay.Database;

namespace CloudRelay.Api;

/// <summary>What a platform API key may do. Each endpoint names the scope it needs; <c>admin</c> may do everything.</summary>
public static class ApiScopes
{
    /// <summary>Read alerts, snapshots, devices and stats.</summary>
    public const string Read = "read";

    /// <summary>Register devices and make claim codes (installer tooling), and list devices.</summary>
    public const string Devices = "devices";

    /// <summary>Read cases and act on them (acknowledge, rectify, reopen).</summary>
    public const string Cases = "cases";

    /// <summary>Set and clear fleet configuration layers, and read them with what devices reported.</summary>
    public const string Fleet = "fleet";

    /// <summary>Scrape <c>/metrics</c> and nothing else: the key a Prometheus server holds.</summary>
    public const string Metrics = "metrics";

    public const string Admin = "admin";

    public static readonly IReadOnlyList<string> All = [Read, Devices, Cases, Fleet, Metrics, Admin];

    public static bool Allows(string granted, string needed) => granted == Admin || granted == needed;
}

/// <summary>Who called: the key's name and its scope.</summary>
public sealed record ApiCaller(string Name, string Scope);

/// <summary>A key just made: the only time its secret exists outside the caller.</summary>
public sealed record CreatedApiKey(string Name, string Scope, string Key);

/// <summary>
/// Named, scoped, revocable platform API keys. Only a SHA-256 of each key is stored (a key carries 256 random bits,
/// so a plain hash is enough); a presented key is hashed and compared in constant time with every live key's hash.
/// The unnamed key of older relays is one of them, named <see cref="LegacyApiKey.Name"/>.
/// </summary>
public sealed class ApiKeys(IRelayStore store, TimeProvider time) : IDisposable
{
    public const string Prefix = "rk_";
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(2);
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private IReadOnlyList<ApiKeyRecord> _live = [];
    private long _loadedAt = long.MinValue;

    public static string? NameProblem(string? name) =>
        name is { Length: > 0 and <= 64 } && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')
            ? null
            : $"--name '{name}' is invalid; expected 1-64 letters, digits, '-', '_' or '.'";

    public static string? ScopeProblem(string? scope) =>
        scope is not null && ApiScopes.All.Contains(scope) ? null : $"--scope '{scope}' is invalid; expected {string.Join(", ", ApiScopes.All)}";

    public async Task<CreatedApiKey> CreateAsync(string name, string scope, CancellationToken cancellationToken = default)
    {
        if ((NameProblem(name) ?? ScopeProblem(scope)) is { } problem)
        {
            throw new ArgumentException(problem);
        }

        var key = Prefix + SecretTokens.NewToken();
        var added = await store.AddApiKeyAsync(new ApiKeyRecord(name, SecretTokens.Hash(key), scope, time.GetUtcNow().ToUnixTimeMilliseconds(), null), cancellationToken);
        if (!added)
        {
            throw new ArgumentException($"--name '{name}' is taken; revoke it or choose another name");
        }

        _loadedAt = long.MinValue;
        return new CreatedApiKey(name, scope, key);
    }

    public Task<IReadOnlyList<ApiKeyRecord>> ListAsync(CancellationToken cancellationToken = default) => store.ListApiKeysAsync(cancellationToken);

    public async Task<bool> RevokeAsync(string name, CancellationToken cancellationToken = default)
    {
        var revoked = await store.RevokeApiKeyAsync(name, time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken);
        _loadedAt = long.MinValue;
        return revoked;
    }

    /// <summary>The key's name and scope, or null for an unknown or revoked key. Keys revoked elsewhere stop within 2 s.</summary>
    public async Task<ApiCaller?> AuthenticateAsync(string? presented, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(presented))
        {
            return null;
        }

        ApiCaller? caller = null;
        var hash = Encoding.ASCII.GetBytes(SecretTokens.Hash(presented));
        foreach (var key in await LiveAsync(cancellationToken))
        {
            // Every key is compared, matched or not, so the time taken says nothing about which one was close.
            if (CryptographicOperations.FixedTimeEquals(hash, Encoding.ASCII.GetBytes(key.KeyHash)))
            {
                caller = new ApiCaller(key.Name, key.Scope);
            }
        }

        return caller;
    }

    public void Dispose() => _refresh.Dispose();

    private async Task<IReadOnlyList<ApiKeyRecord>> LiveAsync(CancellationToken cancellationToken)
    {
        if (time.GetElapsedTime(Volatile.Read(ref _loadedAt)) < CacheFor && _loadedAt != long.MinValue)
        {
            return _live;
        }

        await _refresh.WaitAsync(cancellationToken);
        try
        {
            if (_loadedAt == long.MinValue || time.GetElapsedTime(_loadedAt) >= CacheFor)
            {
                _live = (await store.ListApiKeysAsync(cancellationToken)).Where(k => k.RevokedMs is null).ToList();
                Volatile.Write(ref _loadedAt, time.GetTimestamp());
            }

            return _live;
        }
        finally
        {
            _refresh.Release();
        }
    }
}
