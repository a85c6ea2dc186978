using EdgeGateway.Core.Configuration;
using EdgeGateway.Core.Health;
using EdgeGateway.Core.Outbox;
using EdgeGateway.Elevator.Service;
using EdgeGateway.Host.Fleet;
using EdgeGateway.Uplink.Mqtt;
using EdgeGateway.Vision.Configuration;
using EdgeGateway.Vision.Models;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Host.Health;

/// <summary>DI wiring for the box's instruments and its health report.</summary>
internal static class HealthServiceCollectionExtensions
{
    /// <summary>
    /// <see cref="IHealthSource"/> over the parts the box has, the instruments on it, and the reporter that publishes
    /// on <c>…/health</c> every <c>Fleet:HealthInterval</c>. Needs the uplink and <c>AddFleetState</c>.
    /// </summary>
    public static IServiceCollection AddHealthReporting(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddMetrics();
        services.TryAddSingleton<IHealthSource>(sp => new GatewayHealthSource(
            sp.GetService<ICameraMonitor>(),
            sp.GetService<IOptionsMonitor<VisionOptions>>(),
            sp.GetService<DurableOutbox>(),
            sp.GetService<IHealthChannel>(),
            sp.GetService<IElevatorMonitor>(),
            sp.GetService<FleetStore>(),
            StorageOptions.DataDirIn(configuration),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ModelCatalog>(),
            sp.GetService<ElevatorSampleCounter>()));
        services.TryAddSingleton<HealthInstruments>();
        services.TryAddSingleton(sp => new HealthReporter(
            sp.GetRequiredService<IHealthSource>(),
            sp.GetRequiredService<IHealthChannel>(),
            sp.GetRequiredService<IOptions<FleetOptions>>().Value.HealthInterval,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<HealthReporter>>()));
        services.AddHostedService(sp =>
        {
            // Created with the reporter, so the instruments exist from the start for any listener.
            sp.GetRequiredService<HealthInstruments>();
            return sp.GetRequiredService<HealthReporter>();
        });
        return services;
    }
}
