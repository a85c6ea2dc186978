using System.Globalization;
using CloudRelay.Ingest;
using CloudRelay.Database;
using EdgeGateway.Supervision.Health;
using EdgeGateway.Supervision.Progress;
using EdgeGateway.Supervision.Systemd;
using Microsoft.Extensions.DependencyInjection;

namespace CloudRelay.Api;

/// <summary>
/// The relay's health: liveness (<c>/healthz</c>: no writer loop or forwarder has stalled),
/// readiness (<c>/readyz</c>: the store is migrated and ingest is listening or subscribed) and
/// the one-line <c>STATUS=</c> for <c>systemctl status</c>.
/// </summary>
internal sealed class RelayHealth(IServiceProvider services, IRelayStore store, RelayCounters counters, Evidence.ClipLedger clips) : IStatusLine
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

        checks.Add(Storage());
        return HealthReport.Of(checks);
    }

    /// <summary>
    /// The data disk: below <c>Relay:Evidence:ReserveMB</c> the relay refuses evidence and goes on storing alerts, so
    /// it stays ready (a probe that failed would take the alarms away too) and says <c>storage_full</c>.
    /// </summary>
    private HealthCheck Storage()
    {
        var free = clips.FreeBytes / (1024 * 1024);
        var reserve = clips.ReserveBytes / (1024 * 1024);
        return HealthCheck.Pass("storage", clips.StorageFull
            ? string.Create(CultureInfo.InvariantCulture, $"storage_full: {free} MB free, below the {reserve} MB reserve; evidence refused, alerts stored")
            : string.Create(CultureInfo.InvariantCulture, $"{free} MB free, {reserve} MB reserve"));
    }

    public string Describe() => string.Create(
        CultureInfo.InvariantCulture,
        $"store {store.Kind}, stored {counters.Stored}, duplicates {counters.Duplicates}, forwarded {counters.Forwarded}, store failures {counters.StoreFailures}{(clips.StorageFull ? ", storage_full" : string.Empty)}");
}
