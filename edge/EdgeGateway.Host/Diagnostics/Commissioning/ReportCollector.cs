using System.Globalization;
using EdgeGateway.Core.Health;
using EdgeGateway.Host.Diagnostics.Text;
using EdgeGateway.Host.Setup;
using EdgeGateway.Host.Setup.Doctor;
using Microsoft.Extensions.Configuration;

namespace EdgeGateway.Host.Diagnostics.Commissioning;

/// <summary>Gathers a report's facts from a running box's parts; the page and <c>edgegw report</c> both use it.</summary>
internal static class ReportCollector
{
    public static ReportFacts Collect(
        IConfiguration configuration,
        GatewayParts parts,
        DoctorReport doctor,
        SignalCheck? signalCheck,
        UplinkHealth? uplink,
        ReportUplink? offlineUplink,
        string technician,
        PageText text,
        DateTimeOffset at,
        TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(parts);
        ArgumentNullException.ThrowIfNull(text);
        var settings = GatewaySettings.Read(configuration);
        var health = parts.Cameras?.GetHealth() ?? [];
        var cameras = settings.Cameras.Select(camera =>
        {
            var live = health.FirstOrDefault(h => h.CameraId == camera.Id);
            var monitor = parts.Cameras;
            // The detections first: the frame that follows is at least as new, and draws them.
            var detections = monitor?.LatestDetections(camera.Id) ?? [];
            byte[]? frame = monitor is not null && monitor.TryGetLatestAnnotatedJpeg(camera.Id, out var jpeg) && !jpeg.IsEmpty ? jpeg.ToArray() : null;
            var detail = live is null
                ? text["cameras.offline"]
                : text["cameras.stats", ("fps", live.AnalysisFps.ToString("0.0", CultureInfo.InvariantCulture)), ("analysed", live.FramesAnalysed),
                    ("dropped", live.FramesDropped), ("reconnects", live.Reconnects)];
            return new ReportCamera(camera.Id, camera.Role, live?.Connected ?? false, detail, frame, [.. camera.Zones.Select(z => z.Name)])
            {
                Detections = detections,
            };
        }).ToList();
        var uplinkFacts = uplink is null
            ? offlineUplink
            : new ReportUplink(uplink.Connected, UplinkView.From(uplink).Broker, uplink.Depth.Values.Sum(), uplink.OldestAgeSeconds, uplink.LastError);
        return new ReportFacts(
            parts.Identity.DeviceId,
            parts.Identity.SiteId,
            StatusReporter.Version,
            settings.Board,
            technician,
            at,
            zone,
            cameras,
            doctor,
            signalCheck,
            uplinkFacts);
    }

    /// <summary>Null when the name is fine, else what was expected (the same rule as the maintenance check-in).</summary>
    public static string? TechnicianProblem(string? technician) =>
        string.IsNullOrWhiteSpace(technician) || technician.Trim().Length > 64 || technician.Any(char.IsControl)
            ? "expected the technician's name or badge number, 1 to 64 characters"
            : null;

    /// <summary><c>edgegw-report-kitchen-0042-20261203-1830.html</c>.</summary>
    public static string FileName(ReportFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var local = TimeZoneInfo.ConvertTime(facts.At, facts.TimeZone);
        return string.Create(CultureInfo.InvariantCulture, $"edgegw-report-{facts.DeviceId}-{local:yyyyMMdd-HHmm}.html");
    }
}
