using EdgeGateway.Core.Alerts;
using EdgeGateway.Core.Evidence;
using EdgeGateway.Core.Outbox;
using EdgeGateway.Core.Publishing;
using EdgeGateway.Uplink.Configuration;
using EdgeGateway.Uplink.Mqtt;
using EdgeGateway.Vision.Configuration;
using EdgeGateway.Vision.Recording;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using EdgeGateway.Core.Configuration;

namespace EdgeGateway.Host.Evidence;

/// <summary>Evidence on the box: the recorder, the signing key, the evidence folder with its retention, and the uploader.</summary>
internal static class EvidenceServiceCollectionExtensions
{
    public static IServiceCollection AddEvidence(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<EvidenceOptions>().Bind(configuration.GetSection(EvidenceOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EvidenceOptions>, EvidenceOptionsValidator>());
        if (!configuration.GetValue(EvidenceOptions.Section + ":Enabled", true))
        {
            return services;
        }

        services.TryAddSingleton(sp => new EvidenceFolder(sp.GetRequiredService<IOptions<StorageOptions>>().Value.DataDir));
        services.TryAddSingleton(sp => EvidenceSigningKey.LoadOrCreate(
            sp.GetRequiredService<IOptions<EvidenceOptions>>().Value.KeyPath(sp.GetRequiredService<IOptions<StorageOptions>>().Value.DataDir), out _));
        if (configuration.GetSection("Cameras").GetChildren().Any())
        {
            services.TryAddSingleton(sp => new ClipRecorder(
                // The recorder follows camera changes made while the box runs (a fleet document applied).
                sp.GetRequiredService<IOptionsMonitor<VisionOptions>>(),
                sp.GetRequiredService<IOptions<EvidenceOptions>>().Value,
                sp.GetRequiredService<EvidenceFolder>(),
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<ClipRecorder>>()));
            services.TryAddSingleton<IClipRecorder>(sp => sp.GetRequiredService<ClipRecorder>());
            services.AddHostedService(sp => sp.GetRequiredService<ClipRecorder>());
        }

        services.TryAddSingleton(sp => new EvidenceCollector(
            sp.GetService<IClipRecorder>(),
            sp.GetRequiredService<EvidenceSigningKey>(),
            sp.GetRequiredService<EvidenceFolder>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<EvidenceCollector>>()));
        services.TryAddSingleton(sp =>
        {
            var outbox = sp.GetRequiredService<DurableOutbox>();
            return new EvidenceUploader(
                sp.GetRequiredService<EvidenceFolder>(),
                sp.GetRequiredService<MqttUplinkTransport>(),
                // Clips go after alarms and snapshots: only while neither waits in the outbox.
                () => outbox.GetStats().Depth is var depth
                      && (depth.GetValueOrDefault(OutboxClass.Alarm) > 0 || depth.GetValueOrDefault(OutboxClass.Snapshot) > 0),
                sp.GetRequiredService<IOptions<EvidenceOptions>>().Value.ChunkKB * 1024,
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<EvidenceUploader>>());
        });
        services.TryAddSingleton(sp => new EvidenceRetention(
            sp.GetRequiredService<EvidenceFolder>(),
            sp.GetRequiredService<IOptions<EvidenceOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<EvidenceRetention>>()));
        services.AddHostedService<EvidenceService>();
        return services;
    }
}

/// <summary>One line per bad <c>Evidence:*</c> value.</summary>
internal sealed class EvidenceOptionsValidator : IValidateOptions<EvidenceOptions>
{
    public ValidateOptionsResult Validate(string? name, EvidenceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Problems().ToList();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}

/// <summary>Feeds published alerts to the collector, runs the uploader, and sweeps retention every hour.</summary>
internal sealed partial class EvidenceService(
    AlertPublisher publisher,
    EvidenceCollector collector,
    EvidenceUploader uploader,
    EvidenceRetention retention,
    EvidenceSigningKey key,
    TimeProvider time,
    ILogger<EvidenceService> logger) : BackgroundService
{
    private static readonly TimeSpan SweepInterval = TimeSpan.FromHours(1);

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        publisher.Published += collector.OnPublished;
        Log.Ready(logger, key.KeyId, key.Path);
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var upload = uploader.RunAsync(stoppingToken);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                retention.Sweep();
                await Task.Delay(SweepInterval, time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }

        await upload.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        publisher.Published -= collector.OnPublished;
        await base.StopAsync(cancellationToken);
        await collector.StopAsync(TimeSpan.Zero);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = HostLogEvents.EvidenceReady, Level = LogLevel.Information, Message = "Evidence is signed with key {KeyId} ({Path})")]
        public static partial void Ready(ILogger logger, string keyId, string path);
    }
}
