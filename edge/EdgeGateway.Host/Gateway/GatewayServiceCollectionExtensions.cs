using EdgeGateway.Core.Elevator;
using EdgeGateway.Elevator;
using EdgeGateway.Host.Diagnostics;
using EdgeGateway.Host.Elevator;
using EdgeGateway.Host.Evidence;
using EdgeGateway.Host.Fleet;
using EdgeGateway.Host.Health;
using EdgeGateway.Uplink;
using EdgeGateway.Vision;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace EdgeGateway.Host.Gateway;

/// <summary>
/// The box's composition root: the one place where vision, elevator, uplink and the diagnostics page are
/// wired together. <c>run</c> and <c>demo</c> host it; the outbox verbs, <c>doctor</c> and the start-up
/// validation ask it for services without starting anything. A kitchen box configures cameras; an elevator
/// box configures the elevator (and perhaps a car camera); both have an uplink.
/// </summary>
internal static class GatewayServiceCollectionExtensions
{
    public static IServiceCollection AddGateway(this IServiceCollection services, IConfiguration configuration, GatewayScope scope = GatewayScope.Everything)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddSingleton(configuration);
        services.TryAddSingleton(TimeProvider.System);
        services.AddEdgeUplink(configuration);
        if (scope == GatewayScope.UplinkOnly)
        {
            return services;
        }

        if (configuration.GetSection("Cameras").GetChildren().Any())
        {
            services.AddEdgeVision(configuration);
        }

        if (configuration.GetSection(ElevatorOptions.SectionName).Exists())
        {
            services.AddSingleton<IElevatorStatusSink, OutboxElevatorStatusSink>();
            services.AddSingleton<IElevatorStatisticsSink, OutboxElevatorStatisticsSink>();
            services.AddElevatorBoard(configuration);
            services.AddEdgeElevator(configuration);

            // An e-bike seen by the car camera holds the door and plays the warning, whatever raised it.
            services.AddEbikeResponder();
        }

        services.AddEvidence(configuration);
        services.AddFleetState(configuration);
        services.AddHealthReporting(configuration);

        // The page binds Kestrel to Diagnostics:Url itself.
        services.AddDiagnostics(configuration);
        return services;
    }

    /// <summary>
    /// The root's services outside a web host, for verbs that use a part of the box without running it
    /// (outbox inject/stats/drain, doctor, start-up validation). Nothing is started; logs go to the console at
    /// <paramref name="minimumLevel"/>.
    /// </summary>
    public static ServiceProvider BuildGatewayServices(IConfiguration configuration, LogLevel minimumLevel = LogLevel.Warning, bool console = true,
        GatewayScope scope = GatewayScope.Everything, Action<ILoggingBuilder>? configureLogging = null, Action<IServiceCollection>? customise = null)
    {
        var services = new ServiceCollection();
        services.AddLogging(logging =>
        {
            logging.SetMinimumLevel(minimumLevel);
            if (console)
            {
                logging.AddSimpleConsole(o => o.SingleLine = true);
            }

            configureLogging?.Invoke(logging);
        });
        services.AddGateway(configuration, scope);
        customise?.Invoke(services);
        return services.BuildServiceProvider();
    }
}

/// <summary>How much of the box a host wires up.</summary>
internal enum GatewayScope
{
    /// <summary>Cameras, elevator, uplink and the page: <c>run</c>, <c>demo</c>, <c>doctor</c>.</summary>
    Everything,

    /// <summary>The outbox, the MQTT bridge and the send loop only: the outbox verbs.</summary>
    UplinkOnly,
}
