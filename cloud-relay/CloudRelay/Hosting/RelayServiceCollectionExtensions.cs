using CloudRelay.Api;
using CloudRelay.Cases;
using CloudRelay.Devices;
using CloudRelay.Forwarding;
using CloudRelay.Ingest;
using CloudRelay.Storage;
using EdgeGateway.Supervision;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CloudRelay.Hosting;

public static class RelayServiceCollectionExtensions
{
    /// <summary>
    /// Everything the relay runs: storage (migrated at start), the group-commit writer, device registry,
    /// ingest through the embedded broker or an external one, and the webhook forwarder when configured.
    /// </summary>
    public static IServiceCollection AddCloudRelay(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<RelayOptions>().BindConfiguration(RelayOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RelayOptions>, RelayOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSystemd();
        services.AddSupervision<RelayHealth>();
        services.TryAddSingleton<RelayHealth>();
        services.AddSingleton<RelayCounters>();
        services.AddSingleton<RelayAlertFeed>();
        services.AddSingleton<RelaySecrets>();
        services.AddSingleton<IRelayStore>(provider =>
        {
            var options = provider.GetRequiredService<IOptions<RelayOptions>>().Value;
            var caseKinds = provider.GetRequiredService<CaseRules>().Deadlines.Keys.ToHashSet(StringComparer.Ordinal);
            return options.UsesPostgres ? new PostgresRelayStore(options.Db, caseKinds) : new SqliteRelayStore(options.SqlitePath, caseKinds);
        });
        services.AddSingleton(provider => (ICaseStore)provider.GetRequiredService<IRelayStore>());
        services.AddSingleton(provider =>
        {
            var options = provider.GetRequiredService<IOptions<RelayOptions>>().Value;
            return new CaseRules(CaseDeadlines.Resolve(options.Cases), options.Cases.RequireOperatorClose, !string.IsNullOrWhiteSpace(options.Webhook.Url));
        });
        services.AddSingleton<RelayLease>();
        services.AddSingleton<StoreReady>();
        services.AddSingleton<DeviceRegistry>();
        services.AddSingleton<CloudRelay.Api.ApiKeys>();
        services.AddSingleton<DeviceMessageIngestor>();
        services.AddSingleton(provider => (IConsoleStore)provider.GetRequiredService<IRelayStore>());
        services.AddSingleton<OperatorConsole.Operators>();
        services.AddSingleton<OperatorConsole.ConsoleSessions>();
        services.AddSingleton<OperatorConsole.LoginThrottle>();
        services.AddSingleton<OperatorConsole.ConsoleLiveFeedSlots>();
        services.AddSingleton<Api.ClaimRateLimit>();
        services.AddSingleton(provider => (IEvidenceStore)provider.GetRequiredService<IRelayStore>());
        services.AddSingleton(provider => new Evidence.ClipFiles(provider.GetRequiredService<IOptions<RelayOptions>>().Value.DataDir));
        services.AddSingleton(provider => new Evidence.EvidenceVerifier(
            provider.GetRequiredService<IEvidenceStore>(),
            provider.GetRequiredService<IRelayStore>(),
            provider.GetRequiredService<IOptions<RelayOptions>>().Value.DataDir,
            provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<Microsoft.Extensions.Logging.ILogger<Evidence.EvidenceVerifier>>()));
        services.AddSingleton<Evidence.ClipLedger>();
        services.AddSingleton<Evidence.EvidenceIngestor>();
        services.AddSingleton(provider => (IFleetStore)provider.GetRequiredService<IRelayStore>());
        services.AddSingleton<Fleet.FleetConfigService>();
        services.AddSingleton<Fleet.FleetReports>();
        services.AddSingleton(provider => (IHealthStore)provider.GetRequiredService<IRelayStore>());
        services.AddSingleton<Health.HealthIngest>();
        services.AddSingleton<Health.RelayMetrics>();
        services.AddSingleton<MessageRouter>();
        services.AddSingleton<Evidence.DeviceSigningKeys>();
        services.AddSingleton<Evidence.EvidenceRetention>();

        // Start order matters: the schema first, then the writer, then whatever feeds it.
        services.AddHostedService<StoreMigrator>();
        services.AddSingleton<AlertWriter>();
        services.AddHostedService(provider => provider.GetRequiredService<AlertWriter>());

        var mqtt = configuration.GetSection(RelayOptions.Section).GetSection("Mqtt");
        if (string.IsNullOrWhiteSpace(mqtt["Broker"]))
        {
            services.AddSingleton<EmbeddedBroker>();
            services.AddSingleton<Fleet.IFleetPublisher>(provider => provider.GetRequiredService<EmbeddedBroker>());
            services.AddHostedService(provider => provider.GetRequiredService<EmbeddedBroker>());
        }
        else
        {
            services.AddSingleton<SharedSubscriber>();
            services.AddSingleton<Fleet.IFleetPublisher>(provider => provider.GetRequiredService<SharedSubscriber>());
            services.AddHostedService(provider => provider.GetRequiredService<SharedSubscriber>());
        }

        // After the broker head it publishes through.
        services.AddSingleton<Fleet.FleetDelivery>();
        services.AddHostedService(provider => provider.GetRequiredService<Fleet.FleetDelivery>());

        // After the writer, so its inbox exists; under the same lease as the forwarder.
        services.AddHostedService<CaseTracker>();

        services.AddHttpClient(WebhookForwarder.HttpClientName);
        services.AddSingleton(provider => new WebhookDeadLetters(provider.GetRequiredService<IOptions<RelayOptions>>().Value.DataDir));
        if (!string.IsNullOrWhiteSpace(configuration.GetSection(RelayOptions.Section).GetSection("Webhook")["Url"]))
        {
            services.AddHostedService<WebhookForwarder>();
        }

        services.AddHostedService(provider => provider.GetRequiredService<Evidence.EvidenceRetention>());
        return services;
    }
}

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
