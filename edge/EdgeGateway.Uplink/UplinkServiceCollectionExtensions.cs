using EdgeGateway.Core;
using EdgeGateway.Core.Alerts;
using EdgeGateway.Core.Health;
using EdgeGateway.Core.Outbox;
using EdgeGateway.Core.Publishing;
using EdgeGateway.Uplink.Configuration;
using EdgeGateway.Uplink.Mqtt;
using EdgeGateway.Supervision.Progress;
using EdgeGateway.Uplink.Segments;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using EdgeGateway.Core.Configuration;

namespace EdgeGateway.Uplink;

/// <summary>DI wiring for the durable outbox and the MQTT uplink.</summary>
public static class UplinkServiceCollectionExtensions
{
    /// <summary>
    /// The outbox only (no network): options <c>Device</c>, <c>Storage</c>, <c>Outbox</c>, <c>Uplink:Encoding</c>;
    /// the file store, <see cref="DurableOutbox"/> as <see cref="IOutbox"/>, the durable alert sequence and
    /// <see cref="AlertPublisher"/> as <see cref="IAlertSink"/>. Used by <c>edgegw outbox inject/stats</c>.
    /// </summary>
    public static IServiceCollection AddEdgeOutbox(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<DeviceOptions>().Bind(configuration.GetSection(DeviceOptions.Section)).ValidateOnStart();
        services.AddOptions<StorageOptions>().Bind(configuration.GetSection(StorageOptions.Section)).ValidateOnStart();
        services.AddOptions<OutboxOptions>().Bind(configuration.GetSection(OutboxOptions.Section)).ValidateOnStart();
        services.AddOptions<UplinkOptions>().Bind(configuration.GetSection(UplinkOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DeviceOptions>, UplinkOptionsValidation>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<StorageOptions>, UplinkOptionsValidation>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OutboxOptions>, UplinkOptionsValidation>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<UplinkOptions>, UplinkOptionsValidation>());
        services.TryAddSingleton(TimeProvider.System);

        services.TryAddSingleton(sp =>
        {
            var device = sp.GetRequiredService<IOptions<DeviceOptions>>().Value;
            return new DeviceIdentity(device.Id, device.Site);
        });
        services.TryAddSingleton(sp => new FileOutboxStore(
            StoreOptions(sp.GetRequiredService<IOptions<StorageOptions>>().Value, sp.GetRequiredService<IOptions<OutboxOptions>>().Value),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<FileOutboxStore>>(),
            sp.GetService<ProgressRegistry>()));
        services.TryAddSingleton<IOutboxStore>(sp => sp.GetRequiredService<FileOutboxStore>());
        // Service factories are synchronous: the store is replayed here, once, when the outbox is
        // first resolved, before any hosted service starts and on no synchronization context.
        services.TryAddSingleton(sp => DurableOutbox.OpenAsync(
            sp.GetRequiredService<IOutboxStore>(),
            Policy(sp.GetRequiredService<IOptions<OutboxOptions>>().Value),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<DurableOutbox>>()).GetAwaiter().GetResult());
        services.TryAddSingleton<IOutbox>(sp => sp.GetRequiredService<DurableOutbox>());
        services.TryAddSingleton<IAlertSequence>(sp =>
            new FileAlertSequence(Path.GetFullPath(sp.GetRequiredService<IOptions<StorageOptions>>().Value.DataDir)));
        services.TryAddSingleton(sp =>
        {
            // Validation has already refused anything but cbor or json.
            var encoding = UplinkEncodings.TryParse(sp.GetRequiredService<IOptions<UplinkOptions>>().Value.Encoding, out var parsed)
                ? parsed
                : AlertEncoding.Cbor;
            return new AlertPublisher(
                sp.GetRequiredService<DeviceIdentity>(),
                sp.GetRequiredService<IAlertSequence>(),
                sp.GetRequiredService<IOutbox>(),
                sp.GetRequiredService<TimeProvider>(),
                encoding,
                sp.GetService<Core.Evidence.IClipRecorder>());
        });
        services.TryAddSingleton<IAlertSink>(sp => sp.GetRequiredService<AlertPublisher>());
        return services;
    }

    /// <summary>
    /// Everything in <see cref="AddEdgeOutbox"/> plus the MQTT bridge (options <c>Uplink</c>), the send
    /// loop as a hosted service, and <see cref="IUplinkMonitor"/>.
    /// </summary>
    public static IServiceCollection AddEdgeUplink(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddEdgeOutbox(configuration);
        services.TryAddSingleton(sp => new MqttUplinkTransport(
            sp.GetRequiredService<IOptions<UplinkOptions>>().Value,
            sp.GetRequiredService<IOptions<DeviceOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<MqttUplinkTransport>>()));
        services.TryAddSingleton<IUplinkTransport>(sp => sp.GetRequiredService<MqttUplinkTransport>());
        services.TryAddSingleton<IFleetConfigChannel>(sp => sp.GetRequiredService<MqttUplinkTransport>());
        services.TryAddSingleton<IHealthChannel>(sp => sp.GetRequiredService<MqttUplinkTransport>());
        // The outbox's own notices log under the send loop's category, as they always have.
        services.TryAddSingleton<IOutboxNotices>(sp => new OutboxNotices(
            sp.GetRequiredService<DurableOutbox>(),
            sp.GetRequiredService<IAlertSink>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<OutboxForwarder>>()));
        services.TryAddSingleton(sp => new OutboxForwarder(
            sp.GetRequiredService<DurableOutbox>(),
            sp.GetRequiredService<IUplinkTransport>(),
            sp.GetRequiredService<IOutboxNotices>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<OutboxForwarder>>(),
            sp.GetRequiredService<IOptions<UplinkOptions>>().Value.Window));
        services.AddHostedService<UplinkService>();
        services.AddHostedService<BacklogReporter>();
        services.TryAddSingleton<IUplinkMonitor, UplinkMonitor>();
        return services;
    }

    /// <summary>The file store settings: <c>{Storage:DataDir}/outbox</c>, segment size, sync interval.</summary>
    public static FileOutboxStoreOptions StoreOptions(StorageOptions storage, OutboxOptions outbox) =>
        new(
            Path.Combine(Path.GetFullPath(storage.DataDir), "outbox"),
            outbox.SegmentMB * 1024L * 1024L,
            TimeSpan.FromMilliseconds(outbox.SyncIntervalMs));

    internal static OutboxPolicy Policy(OutboxOptions options) => new()
    {
        BudgetBytes = options.BudgetBytes ?? options.BudgetMB * 1024L * 1024L,
        MaxMessageBytes = options.MaxMessageKB * 1024,
        AlarmTtl = options.AlarmTtl,
        StatusTtl = options.StatusTtl,
        SnapshotTtl = options.SnapshotTtl,
        TelemetryTtl = options.TelemetryTtl,
        SyncAllClasses = options.SyncAllClasses,
    };
}
