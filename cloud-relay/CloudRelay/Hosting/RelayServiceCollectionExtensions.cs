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
        services.AddSingleton<AlertIngestor>();
        services.AddSingleton(provider => (IEvidenceStore)provider.GetRequiredService<IRelayStore>());
        services.AddSingleton(provider => new Evidence.ClipFiles(provider.GetRequiredService<IOptions<RelayOptions>>().Value.DataDir));
        services.AddSingleton(provider => new Evidence.EvidenceVerifier(
            provider.GetRequiredService<IEvidenceStore>(),
            provider.GetRequiredService<IOptions<RelayOptions>>().Value.DataDir,
            provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<Microsoft.Extensions.Logging.ILogger<Evidence.EvidenceVerifier>>()));
        services.AddSingleton<Evidence.EvidenceIngestor>();
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
            services.AddHostedService(provider => provider.GetRequiredService<EmbeddedBroker>());
        }
        else
        {
            services.AddSingleton<SharedSubscriber>();
            services.AddHostedService(provider => provider.GetRequiredService<SharedSubscriber>());
        }

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
public sealed class StoreReady(IRelayStore store, RelaySecrets secrets)
{
    private readonly Lazy<Task<int>> _migration = new(() => MigrateAsync(store, secrets));

    public Task<int> EnsureAsync(CancellationToken cancellationToken = default) => _migration.Value.WaitAsync(cancellationToken);

    /// <summary>True once the schema is migrated.</summary>
    public bool IsReady => _migration.IsValueCreated && _migration.Value.IsCompletedSuccessfully;

    private static async Task<int> MigrateAsync(IRelayStore store, RelaySecrets secrets)
    {
        var version = await store.MigrateAsync(CancellationToken.None);
        _ = secrets.ApiKey; // Create the secrets file now, not on the first API call.
        return version;
    }
}

/// <summary>Applies the schema migrations before anything reads or writes.</summary>
internal sealed partial class StoreMigrator(StoreReady ready, IRelayStore store, Microsoft.Extensions.Logging.ILogger<StoreMigrator> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var version = await ready.EnsureAsync(cancellationToken);
        Log.Ready(logger, store.Kind, version);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static partial class Log
    {
        [Microsoft.Extensions.Logging.LoggerMessage(EventId = RelayLogEvents.StorageReady, Level = Microsoft.Extensions.Logging.LogLevel.Information, Message = "Storage {Store} ready at schema version {Version}")]
        public static partial void Ready(Microsoft.Extensions.Logging.ILogger logger, string store, int version);
    }
}
