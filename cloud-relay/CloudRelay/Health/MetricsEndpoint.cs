using CloudRelay.Api;
using CloudRelay.Database;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using ContractHealthReport = EdgeGateway.Contracts.Telemetry.HealthReport;

namespace CloudRelay.Health;

/// <summary>
/// <c>GET /metrics</c> in the Prometheus text format, for a key with scope <c>metrics</c> or <c>read</c>, sent as
/// Prometheus sends it (<c>Authorization: Bearer</c>). The relay's own instruments come from <see cref="RelayMetrics"/>;
/// each device's latest health is rendered from the store in the same pass, labelled by site, device and camera.
/// </summary>
public static class MetricsEndpoint
{
    public static IEndpointRouteBuilder MapMetrics(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet("/metrics", MetricsAsync).AddEndpointFilter(RelayApi.RequireScope(ApiScopes.Metrics, ApiScopes.Read));
        return endpoints;
    }

    private static async Task<ContentHttpResult> MetricsAsync(
        IHealthStore health, IRelayStore store, RelayMetrics metrics, TimeProvider time, CancellationToken cancellationToken)
    {
        var rows = await health.ListHealthAsync(null, cancellationToken);
        metrics.SetStoreReadings(rows.Count(r => r.Online), await store.ForwardBacklogAsync(cancellationToken));
        return TypedResults.Text(Render(metrics, rows, time.GetUtcNow().ToUnixTimeMilliseconds()), PrometheusText.ContentType);
    }

    /// <summary>The whole exposition: the relay's instruments, then one family per device value over every device that reported.</summary>
    internal static string Render(RelayMetrics metrics, IReadOnlyList<HealthDeviceRow> rows, long nowMs)
    {
        var text = new PrometheusText();
        foreach (var family in metrics.Observe().GroupBy(s => s.Instrument))
        {
            var name = PrometheusText.NameOf(family.Key);
            text.Family(name, PrometheusText.IsCounter(family.Key) ? "counter" : "gauge", family.Key.Description ?? name);
            foreach (var (_, value, tags) in family)
            {
                text.Sample(name, value, [.. tags.Select(t => (t.Key, Convert.ToString(t.Value, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty))]);
            }
        }

        var devices = new List<DeviceHealth>(rows.Count);
        foreach (var row in rows)
        {
            // Stored reports were decoded once on arrival; one that no longer decodes is left out rather than failing the scrape.
            if (row.Latest is { } latest && ContractHealthReport.TryDecode(latest.Report, out var report, out _))
            {
                devices.Add(new DeviceHealth(row.Site, row.Device, report!, (nowMs - latest.ReceivedMs) / 1000.0));
            }
        }

        RenderDevices(text, devices);
        return text.ToString();
    }

    private static void RenderDevices(PrometheusText text, List<DeviceHealth> devices)
    {
        Device(text, devices, "edge_report_age_seconds", "Seconds since the relay received the device's latest health report.", d => d.AgeSeconds);
        Device(text, devices, "edge_uptime_seconds", "The box's service uptime.", d => d.Report.UptimeSeconds);
        Camera(text, devices, "edge_camera_up", "1 while the camera's frames arrive.", c => c.Up ? 1 : 0);
        Camera(text, devices, "edge_camera_read_fps", "Frames read per second over the last interval.", c => c.ReadFps);
        Camera(text, devices, "edge_camera_analysed_fps", "Frames analysed per second over the last interval.", c => c.AnalysedFps);
        Camera(text, devices, "edge_camera_target_fps", "The camera's configured analysis rate.", c => c.TargetFps);
        Camera(text, devices, "edge_camera_frames_dropped_total", "Frames dropped because analysis was too slow, since the service started.", c => c.FramesDropped, "counter");
        Camera(text, devices, "edge_camera_lag_seconds", "How old the last analysed frame was when its analysis ended.", c => c.LagMs / 1000);
        Camera(text, devices, "edge_camera_inference_seconds", "The detector's mean time per frame over the last interval.", c => c.InferenceMs / 1000);
        text.Family("edge_outbox_depth", "gauge", "Records waiting in the box's outbox, by class.");
        foreach (var d in devices)
        {
            foreach (var (kind, depth) in d.Report.OutboxDepth.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                text.Sample("edge_outbox_depth", depth, ("site", d.Site), ("device", d.Device), ("class", kind));
            }
        }

        Device(text, devices, "edge_outbox_bytes", "Bytes waiting in the box's outbox.", d => d.Report.OutboxBytes);
        Device(text, devices, "edge_outbox_oldest_seconds", "Age of the oldest record waiting in the outbox.", d => d.Report.OutboxOldestSeconds);
        Device(text, devices, "edge_disk_free_bytes", "Free bytes on the box's data disk.", d => d.Report.DiskFreeBytes);
        Device(text, devices, "edge_disk_total_bytes", "Size of the box's data disk.", d => d.Report.DiskTotalBytes);
        Device(text, devices, "edge_cpu_percent", "The box's CPU use over the last interval.", d => d.Report.CpuPercent);
        Device(text, devices, "edge_temperature_celsius", "The box's temperature (boxes without a thermal zone are absent).", d => d.Report.TemperatureC);
        Device(text, devices, "edge_memory_bytes", "Memory the box's service uses.", d => d.Report.MemoryBytes);
        Device(text, devices, "edge_uplink_connected", "1 while the box's uplink is connected.", d => d.Report.UplinkConnected ? 1 : 0);
        Device(text, devices, "edge_uplink_reconnects_total", "Uplink reconnects since the service started.", d => d.Report.UplinkReconnects, "counter");
        Device(text, devices, "edge_uplink_rtt_seconds", "The uplink's round-trip time.", d => d.Report.UplinkRoundTripMs / 1000);
        Device(text, devices, "edge_elevator_samples_per_second", "Elevator sensor samples per second (boxes without an elevator are absent).",
            d => d.Report.ElevatorSamplesPerSecond);
    }

    private static void Device(PrometheusText text, List<DeviceHealth> devices, string name, string help, Func<DeviceHealth, double?> value, string type = "gauge")
    {
        text.Family(name, type, help);
        foreach (var d in devices)
        {
            if (value(d) is { } v)
            {
                text.Sample(name, v, ("site", d.Site), ("device", d.Device));
            }
        }
    }

    private static void Camera(PrometheusText text, List<DeviceHealth> devices, string name, string help,
        Func<EdgeGateway.Contracts.Telemetry.CameraHealthReport, double> value, string type = "gauge")
    {
        text.Family(name, type, help);
        foreach (var d in devices)
        {
            // One series per camera id, even from a box that repeats one.
            foreach (var camera in d.Report.Cameras.DistinctBy(c => c.Id, StringComparer.Ordinal))
            {
                text.Sample(name, value(camera), ("site", d.Site), ("device", d.Device), ("camera", camera.Id));
            }
        }
    }

    private sealed record DeviceHealth(string Site, string Device, ContractHealthReport Report, double AgeSeconds);
}
