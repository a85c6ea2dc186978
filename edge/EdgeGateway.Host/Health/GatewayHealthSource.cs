using EdgeGateway.Contracts.Telemetry;
using EdgeGateway.Core;
using EdgeGateway.Core.Health;
using EdgeGateway.Core.Outbox;
using EdgeGateway.Elevator.Service;
using EdgeGateway.Host.Diagnostics;
using EdgeGateway.Host.Fleet;
using EdgeGateway.Uplink.Mqtt;
using EdgeGateway.Vision.Configuration;
using EdgeGateway.Vision.Models;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Host.Health;

/// <summary>
/// Reads the box's numbers from their owners: each camera's stats (through <see cref="ICameraMonitor"/>, as the page
/// does), the outbox's stats, the link, the data folder's disk, /proc and /sys. Parts the box does not have (no
/// camera, no elevator, no thermal zone) read as empty or null.
/// </summary>
internal sealed class GatewayHealthSource(
    ICameraMonitor? cameras,
    IOptionsMonitor<VisionOptions>? vision,
    DurableOutbox? outbox,
    IHealthChannel? link,
    IElevatorMonitor? elevator,
    FleetStore? fleet,
    string dataDir,
    TimeProvider time,
    ModelCatalog? catalog = null,
    ElevatorSampleCounter? samples = null,
    HostReadings? host = null) : IHealthSource
{
    private readonly HostReadings _host = host ?? new HostReadings();
    private readonly DateTimeOffset _startedAt = time.GetUtcNow();
    private readonly Lock _gate = new();
    private (string Names, IReadOnlyList<ModelHealthReport> Models) _models = (string.Empty, []);

    public HealthReadings Read()
    {
        var (free, total) = Disk();
        double? cpu;
        lock (_gate)
        {
            // The CPU share is the busy time since the previous read: one reader at a time.
            cpu = _host.CpuPercent();
        }

        return new HealthReadings
        {
            Now = time.GetUtcNow(),
            Uptime = time.GetUtcNow() - _startedAt,
            Version = StatusReporter.Version,
            ConfigVersion = fleet?.InForce()?.Version,
            Cameras = Cameras(),
            Outbox = outbox?.GetStats(),
            DiskFreeBytes = free,
            DiskTotalBytes = total,
            CpuPercent = cpu,
            TemperatureC = _host.TemperatureC(),
            MemoryBytes = _host.Memory() is { } memory ? (long)(memory.UsedMb * 1024 * 1024) : null,
            UplinkConnected = link?.IsConnected ?? false,
            Connections = link?.Connections ?? 0,
            RoundTrip = link?.LastRoundTrip,
            ElevatorMode = elevator?.GetSnapshot().Mode,
            ElevatorSamples = elevator is null ? null : samples?.Samples,
            Models = Models(),
        };
    }

    public HealthState State() => new(
        string.Join(',', Cameras().Where(c => c.Up).Select(c => c.Health.CameraId)),
        outbox?.StorageFull ?? false,
        link?.Connections ?? 0);

    public long AlarmsWaiting() =>
        outbox is null ? 0 : outbox.GetStats().Depth.GetValueOrDefault(OutboxClass.Alarm);

    private List<CameraReading> Cameras()
    {
        if (cameras is null)
        {
            return [];
        }

        var configured = vision?.CurrentValue.Cameras;
        return [.. cameras.GetHealth().Select(h =>
            new CameraReading(h, configured?.FirstOrDefault(c => c.Id == h.CameraId)?.AnalysisFps ?? 0))];
    }

    /// <summary>The cameras' models with the SHA-256 their manifests pin (the catalog refuses weights that differ); read again when the set changes.</summary>
    private IReadOnlyList<ModelHealthReport> Models()
    {
        var names = vision?.CurrentValue.Cameras.Select(c => c.Model).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList() ?? [];
        var key = string.Join('\n', names);
        lock (_gate)
        {
            if (catalog is null || key == _models.Names)
            {
                return _models.Models;
            }

            _models = (key, [.. names.Select(name => new ModelHealthReport(name, PinnedSha256(catalog, name)))]);
            return _models.Models;
        }
    }

    private static string PinnedSha256(ModelCatalog catalog, string name)
    {
        try
        {
            return catalog.Get(name).Sha256 ?? "unpinned";
        }
        catch (Exception ex) when (ex is ModelException or IOException or System.Text.Json.JsonException or UnauthorizedAccessException)
        {
            // A manifest path or folder rather than a name, or an unreadable manifest: the id still goes up.
            return "unknown";
        }
    }

    private (long Free, long Total) Disk()
    {
        var existing = Path.GetFullPath(GatewayPaths.DataDir(dataDir));
        while (!Directory.Exists(existing) && Path.GetDirectoryName(existing) is { } parent)
        {
            existing = parent;
        }

        try
        {
            var drive = new DriveInfo(existing);
            return (drive.AvailableFreeSpace, drive.TotalSize);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return (0, 0);
        }
    }
}
