using System.Globalization;
using EdgeGateway.Core.Health;
using EdgeGateway.Core.Outbox;
using EdgeGateway.Supervision.Health;
using EdgeGateway.Supervision.Progress;
using EdgeGateway.Supervision.Systemd;
using EdgeGateway.Uplink.Segments;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeGateway.Host.Diagnostics;

/// <summary>
/// The box's health in three forms: liveness (<c>/healthz</c>: no part has stalled), readiness
/// (<c>/readyz</c>: outbox open, uplink connected or its backlog within budget, every camera
/// analysed recently) and the one-line <c>STATUS=</c> that <c>systemctl status</c> shows.
/// Every part is optional, as on the page.
/// </summary>
internal sealed class GatewayHealth(IServiceProvider services) : IStatusLine
{
    /// <summary>A camera whose last analysed frame is older than this is not ready.</summary>
    public static readonly TimeSpan CameraAnalysisMaxAge = TimeSpan.FromSeconds(30);

    /// <summary>While the link is down the box stays ready until the backlog fills this share of the outbox budget.</summary>
    public const double BacklogBudgetShare = 0.5;

    public HealthReport Liveness() =>
        services.GetService<ProgressRegistry>() is { } progress
            ? Supervision.Health.Liveness.Check(progress)
            : HealthReport.Of([HealthCheck.Pass("process", "up")]);

    public HealthReport Readiness()
    {
        var checks = new List<HealthCheck>();
        if (services.GetService<FileOutboxStore>() is { } store)
        {
            checks.Add(store.IsWriting ? HealthCheck.Pass("outbox", "open") : HealthCheck.Fail("outbox", "not open"));
        }

        if (services.GetService<IUplinkMonitor>() is { } uplink && services.GetService<DurableOutbox>() is { } outbox)
        {
            checks.Add(Uplink(uplink.GetHealth(), outbox.GetStats()));
        }

        foreach (var camera in services.GetService<ICameraMonitor>()?.GetHealth() ?? [])
        {
            checks.Add(Camera(camera));
        }

        return HealthReport.Of(checks);
    }

    public string Describe()
    {
        var parts = new List<string>();
        if (services.GetService<ICameraMonitor>() is { } cameras)
        {
            var health = cameras.GetHealth();
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"cameras {health.Count(c => c.Connected)}/{health.Count} up"));
        }

        if (services.GetService<IUplinkMonitor>() is { } uplink)
        {
            var health = uplink.GetHealth();
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"backlog {health.Depth.Values.Sum()}"));
            parts.Add(health.Connected ? "uplink connected" : "uplink offline");
        }

        return parts.Count == 0 ? "running" : string.Join(", ", parts);
    }

    private static HealthCheck Uplink(UplinkHealth link, OutboxStats stats)
    {
        if (link.Connected)
        {
            return HealthCheck.Pass("uplink", string.Create(CultureInfo.InvariantCulture, $"connected, backlog {stats.TotalDepth}"));
        }

        var share = stats.BudgetBytes > 0 ? (double)stats.QueuedBytes / stats.BudgetBytes : 1;
        var detail = string.Create(CultureInfo.InvariantCulture, $"offline, backlog {stats.TotalDepth} ({share:P0} of the outbox budget)");
        return share <= BacklogBudgetShare ? HealthCheck.Pass("uplink", detail) : HealthCheck.Fail("uplink", detail);
    }

    private static HealthCheck Camera(CameraHealth camera)
    {
        var name = "camera " + camera.CameraId;
        if (camera.LastAnalysedAgeSeconds is not { } age)
        {
            return HealthCheck.Fail(name, "no frame analysed yet");
        }

        var detail = string.Create(CultureInfo.InvariantCulture, $"last frame analysed {age:0.0} s ago");
        return age <= CameraAnalysisMaxAge.TotalSeconds ? HealthCheck.Pass(name, detail) : HealthCheck.Fail(name, detail);
    }
}
