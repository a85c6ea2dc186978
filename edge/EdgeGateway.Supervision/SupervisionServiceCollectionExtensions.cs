using EdgeGateway.Supervision.Progress;
using EdgeGateway.Supervision.Systemd;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace EdgeGateway.Supervision;

public static class SupervisionServiceCollectionExtensions
{
    /// <summary>
    /// The progress registry the long-running parts beat, and the watchdog that pings systemd
    /// while they all make progress. The notify settings come from the environment unless a
    /// <see cref="NotifySettings"/> is registered first; <typeparamref name="TStatus"/> writes the status line.
    /// </summary>
    public static IServiceCollection AddSupervision<TStatus>(this IServiceCollection services)
        where TStatus : class, IStatusLine
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ProgressRegistry>();
        services.TryAddSingleton(_ => NotifySettings.FromEnvironment());
        services.TryAddSingleton<IStatusLine, TStatus>();
        services.AddHostedService<WatchdogService>();
        return services;
    }
}
