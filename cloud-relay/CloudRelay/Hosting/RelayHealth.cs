using System.Globalization;
using CloudRelay.Ingest;
using CloudRelay.Storage;
using EdgeGateway.Supervision.Health;
using EdgeGateway.Supervision.Progress;
using EdgeGateway.Supervision.Systemd;
using Microsoft.Extensions.DependencyInjection;

namespace CloudRelay.Hosting;

/// <summary>
/// The relay's health: liveness (<c>/healthz</c>: no writer loop or forwarder has stalled),
/// readiness (<c>/readyz</c>: the store is migrated and ingest is listening or subscribed) and
/// the one-line <c>STATUS=</c> for <c>systemctl status</c>.
/// </summary>
internal sealed class RelayHealth(IServiceProvider services, IRelayStore store, RelayCounters counters) : IStatusLine
{
    public HealthReport Liveness() =>
        services.GetService<ProgressRegistry>() is { } progress
            ? EdgeGateway.Supervision.Health.Liveness.Check(progress)
            : HealthReport.Of([HealthCheck.Pass("process", "up")]);

    public HealthReport Readiness()
    {
        var ready = services.GetRequiredService<StoreReady>().IsReady;
        var checks = new List<HealthCheck>
        {
            ready ? HealthCheck.Pass("store", store.Kind + " migrated") : HealthCheck.Fail("store", store.Kind + " not migrated yet"),
        };
        if (services.GetService<EmbeddedBroker>() is { } broker)
        {
            checks.Add(broker.Server is { IsStarted: true } ? HealthCheck.Pass("ingest", "broker listening") : HealthCheck.Fail("ingest", "broker not listening"));
        }

        if (services.GetService<SharedSubscriber>() is { } subscriber)
        {
            checks.Add(subscriber.IsSubscribed ? HealthCheck.Pass("ingest", "subscribed") : HealthCheck.Fail("ingest", "not subscribed"));
        }

        return HealthReport.Of(checks);
    }

    public string Describe() => string.Create(
        CultureInfo.InvariantCulture,
        $"store {store.Kind}, stored {counters.Stored}, duplicates {counters.Duplicates}, forwarded {counters.Forwarded}, store failures {counters.StoreFailures}");
}
