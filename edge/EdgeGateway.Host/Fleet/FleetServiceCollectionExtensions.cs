using EdgeGateway.Core.Alerts;
using EdgeGateway.Core.Configuration;
using EdgeGateway.Core.Publishing;
using EdgeGateway.Host.Configuration;
using EdgeGateway.Host.Setup;
using EdgeGateway.Uplink.Mqtt;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Host.Fleet;

/// <summary>DI wiring for fleet configuration.</summary>
internal static partial class FleetServiceCollectionExtensions
{
    /// <summary>
    /// The <c>Fleet</c> options with their validator (so <see cref="StartupValidation"/> covers them) and the
    /// fleet folder's store, which the page reads. Every host of the composition root has these.
    /// </summary>
    public static IServiceCollection AddFleetState(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<FleetOptions>().Bind(configuration.GetSection(FleetOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<FleetOptions>, FleetOptionsValidator>());
        services.TryAddSingleton(sp =>
        {
            var logger = sp.GetRequiredService<ILogger<FleetStore>>();

            // The page reads the folder on every push: a broken file is said once, not every second.
            var said = new HashSet<string>(StringComparer.Ordinal);
            return new FleetStore(StorageOptions.DataDirIn(configuration), line =>
            {
                lock (said)
                {
                    if (!said.Add(line))
                    {
                        return;
                    }
                }

                Log.StoreProblem(logger, line);
            });
        });
        return services;
    }

    /// <summary>
    /// The agent that receives, validates, applies, watches and reports desired documents; only <c>run</c> has one,
    /// since only it loaded its configuration through <paramref name="layering"/>.
    /// </summary>
    public static IServiceCollection AddFleetAgent(this IServiceCollection services, FleetLayering layering)
    {
        services.TryAddSingleton(sp => new CriticalAlarms(sp.GetService<AlertPublisher>()));
        services.AddHostedService(sp => new FleetAgent(
            sp.GetRequiredService<FleetStore>(),
            layering,
            sp.GetRequiredService<IFleetConfigChannel>(),
            new FleetHealthGates(sp, layering.Configuration),
            sp.GetRequiredService<CriticalAlarms>(),
            StartupValidation.Problems,
            sp.GetRequiredService<IOptions<FleetOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<FleetAgent>>()));
        return services;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = HostLogEvents.FleetStoreProblem, Level = LogLevel.Warning, Message = "{Problem}")]
        public static partial void StoreProblem(ILogger logger, string problem);
    }
}
