using CloudRelay.Api;
using CloudRelay.Cases;
using CloudRelay.Devices;
using CloudRelay.Forwarding;
using CloudRelay.Ingest;
using CloudRelay.Settings;
using CloudRelay.Database;
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
