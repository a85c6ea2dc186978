using CloudRelay.Settings;
using CloudRelay.Database;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CloudRelay.Api;

/// <summary>Migrates the schema once, whoever asks first: the host at start, or a caller registering devices before it.</summary>
public sealed class StoreReady(IRelayStore store, RelaySecrets secrets, IOptions<RelayOptions> options, TimeProvider time)
{
    private readonly Lazy<Task<(int, LegacyKeyState)>> _migration = new(() => MigrateAsync(store, secrets, options.Value.ApiKey, time));

    /// <summary>Migrates (once) and returns the schema version.</summary>
    public async Task<int> EnsureAsync(CancellationToken cancellationToken = default) =>
        (await _migration.Value.WaitAsync(cancellationToken)).Item1;

    /// <summary>What became of the unnamed admin key of older relays; known once migrated.</summary>
    public async Task<LegacyKeyState> LegacyKeyAsync(CancellationToken cancellationToken = default) =>
        (await _migration.Value.WaitAsync(cancellationToken)).Item2;

    /// <summary>True once the schema is migrated.</summary>
    public bool IsReady => _migration.IsValueCreated && _migration.Value.IsCompletedSuccessfully;

    private static async Task<(int, LegacyKeyState)> MigrateAsync(IRelayStore store, RelaySecrets secrets, string? configuredApiKey, TimeProvider time)
    {
        var version = await store.MigrateAsync(CancellationToken.None);
        _ = secrets.WebhookSecret; // Create the secrets file now, not on the first webhook.
        var legacy = await LegacyApiKey.ImportAsync(store, secrets, configuredApiKey, time.GetUtcNow().ToUnixTimeMilliseconds(), CancellationToken.None);
        return (version, legacy);
    }
}

/// <summary>Applies the schema migrations before anything reads or writes.</summary>
internal sealed partial class StoreMigrator(StoreReady ready, IRelayStore store, ILogger<StoreMigrator> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var version = await ready.EnsureAsync(cancellationToken);
        Log.Ready(logger, store.Kind, version);
        switch (await ready.LegacyKeyAsync(cancellationToken))
        {
            case LegacyKeyState.Moved:
                Log.LegacyKeyMoved(logger, LegacyApiKey.Name);
                break;
            case LegacyKeyState.Configured:
                Log.LegacyKeyConfigured(logger, LegacyApiKey.Name);
                break;
            case LegacyKeyState.ConfiguredNotAccepted:
                Log.LegacyKeyNotAccepted(logger, LegacyApiKey.Name);
                break;
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static partial class Log
    {
        [LoggerMessage(EventId = RelayLogEvents.StorageReady, Level = LogLevel.Information, Message = "Storage {Store} ready at schema version {Version}")]
        public static partial void Ready(ILogger logger, string store, int version);

        [LoggerMessage(EventId = RelayLogEvents.LegacyKeyMoved, Level = LogLevel.Information,
            Message = "The relay's unnamed admin key moved from relay-secrets.json into the store, hashed, as API key '{Name}'; revoke it once platforms use named keys")]
        public static partial void LegacyKeyMoved(ILogger logger, string name);

        [LoggerMessage(EventId = RelayLogEvents.LegacyKeyConfigured, Level = LogLevel.Warning,
            Message = "Relay:ApiKey works as the admin API key '{Name}', stored hashed; remove it from the configuration, where it is in clear, and give platforms named keys (cloud-relay api-key create)")]
        public static partial void LegacyKeyConfigured(ILogger logger, string name);

        [LoggerMessage(EventId = RelayLogEvents.LegacyKeyNotAccepted, Level = LogLevel.Warning,
            Message = "Relay:ApiKey is not accepted: API key '{Name}' was revoked or holds another key; remove Relay:ApiKey and use named keys (cloud-relay api-key create)")]
        public static partial void LegacyKeyNotAccepted(ILogger logger, string name);
    }
}
