using System.Diagnostics.Metrics;
using EdgeGateway.Core.Outbox;

namespace EdgeGateway.Host.Health;

/// <summary>
/// The box's numbers as <see cref="System.Diagnostics.Metrics"/> instruments, one <see cref="Meter"/> per component.
/// All are observable: each reads <see cref="IHealthSource"/> when collected, so an instrument, the health report and
/// the page show the same number from the same owner. One read serves every instrument of a collection.
/// </summary>
internal sealed class HealthInstruments
{
    public const string VisionMeter = "EdgeGateway.Vision";
    public const string OutboxMeter = "EdgeGateway.Outbox";
    public const string UplinkMeter = "EdgeGateway.Uplink";
    public const string HostMeter = "EdgeGateway.Host";
    public const string ElevatorMeter = "EdgeGateway.Elevator";

    /// <summary>Readings younger than this serve the next instrument too (a collection reads them all at once).</summary>
    private static readonly TimeSpan Reuse = TimeSpan.FromMilliseconds(500);

    private readonly IHealthSource _source;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private HealthReadings? _last;
    private long _lastAt;

    public HealthInstruments(IMeterFactory meters, IHealthSource source, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(meters);
        _source = source;
        _time = time;

        var vision = meters.Create(VisionMeter);
        vision.CreateObservableCounter("edgegw.camera.frames.read", () => PerCamera(c => c.Health.FramesIn), "{frame}", "Frames read from the camera");
        vision.CreateObservableCounter("edgegw.camera.frames.analysed", () => PerCamera(c => c.Health.FramesAnalysed), "{frame}", "Frames the analysis took");
        vision.CreateObservableCounter("edgegw.camera.frames.dropped", () => PerCamera(c => c.Health.FramesDropped), "{frame}", "Frames dropped because the analysis was busy");
        vision.CreateObservableCounter("edgegw.camera.inference.runs", () => PerCamera(c => c.Health.DetectorRuns), "{run}", "Detector runs (still frames skip the detector)");
        vision.CreateObservableCounter("edgegw.camera.inference.time", () => PerCamera(c => c.Health.DetectorSeconds), "s", "Time spent in the detector; over runs, the mean inference time");
        vision.CreateObservableGauge("edgegw.camera.analysis.lag", () => PerCamera(c => c.Health.LagSeconds ?? 0), "s", "Age of the last analysed frame when its analysis ended");
        vision.CreateObservableGauge("edgegw.camera.up", () => PerCamera(c => c.Up ? 1 : 0), "1", "1 while frames arrive");

        var outbox = meters.Create(OutboxMeter);
        outbox.CreateObservableUpDownCounter("edgegw.outbox.depth", Depths, "{record}", "Records waiting, by class");
        outbox.CreateObservableGauge("edgegw.outbox.oldest.age", () => Readings().Outbox?.OldestAgeSeconds ?? 0, "s", "Age of the oldest waiting record");
        outbox.CreateObservableUpDownCounter("edgegw.outbox.size", () => Readings().Outbox?.QueuedBytes ?? 0, "By", "Bytes of waiting records");

        var uplink = meters.Create(UplinkMeter);
        uplink.CreateObservableUpDownCounter("edgegw.uplink.connected", () => Readings().UplinkConnected ? 1 : 0, "1", "1 while the link to the relay is up");
        uplink.CreateObservableCounter("edgegw.uplink.reconnects", () => Readings().Reconnects, "{reconnect}", "Connections after the first");
        uplink.CreateObservableGauge("edgegw.uplink.round_trip", RoundTrip, "s", "Publish to PUBACK of the last publish");

        var host = meters.Create(HostMeter);
        host.CreateObservableUpDownCounter("edgegw.disk.free", () => Readings().DiskFreeBytes, "By", "Free bytes of the data folder's disk");
        host.CreateObservableUpDownCounter("edgegw.disk.size", () => Readings().DiskTotalBytes, "By", "Size of the data folder's disk");
        host.CreateObservableGauge("edgegw.host.cpu.utilization", Cpu, "1", "Busy share of all cores since the previous read, 0 to 1");
        host.CreateObservableGauge("edgegw.host.temperature", Temperature, "Cel", "Hottest thermal zone; absent without one");
        host.CreateObservableUpDownCounter("edgegw.host.memory.usage", Memory, "By", "Memory in use (total less available)");
        host.CreateObservableCounter("edgegw.uptime", () => (long)Readings().Uptime.TotalSeconds, "s", "Time since the service started");
        host.CreateObservableGauge("edgegw.build.info", Build, "1", "1, tagged with the software and configuration versions");

        var elevator = meters.Create(ElevatorMeter);
        elevator.CreateObservableGauge("edgegw.elevator.mode", Mode, "1", "1, tagged with the elevator's mode; absent without an elevator");
        elevator.CreateObservableCounter("edgegw.elevator.samples", Samples, "{sample}", "Sensor samples taken; absent without an elevator");
    }

    /// <summary>The current readings, read at most once per collection.</summary>
    public HealthReadings Readings()
    {
        lock (_gate)
        {
            var now = _time.GetTimestamp();
            if (_last is null || _time.GetElapsedTime(_lastAt, now) > Reuse)
            {
                _last = _source.Read();
                _lastAt = now;
            }

            return _last;
        }
    }

    private IEnumerable<Measurement<T>> PerCamera<T>(Func<CameraReading, T> value)
        where T : struct =>
        Readings().Cameras.Select(c => new Measurement<T>(value(c), new KeyValuePair<string, object?>("camera", c.Health.CameraId)));

    private IEnumerable<Measurement<long>> Depths() =>
        Readings().Outbox?.Depth.Select(p => new Measurement<long>(p.Value, new KeyValuePair<string, object?>("class", OutboxForwarder.ClassName(p.Key)))) ?? [];

    private IEnumerable<Measurement<double>> RoundTrip() =>
        Readings().RoundTrip is { } rtt ? [new(rtt.TotalSeconds)] : [];

    private IEnumerable<Measurement<double>> Cpu() =>
        Readings().CpuPercent is { } cpu ? [new(cpu / 100)] : [];

    private IEnumerable<Measurement<double>> Temperature() =>
        Readings().TemperatureC is { } celsius ? [new(celsius)] : [];

    private IEnumerable<Measurement<long>> Memory() =>
        Readings().MemoryBytes is { } bytes ? [new(bytes)] : [];

    private IEnumerable<Measurement<int>> Build()
    {
        var readings = Readings();
        return [new(1, new("version", readings.Version), new("config_version", readings.ConfigVersion))];
    }

    private IEnumerable<Measurement<long>> Samples() =>
        Readings().ElevatorSamples is { } samples ? [new(samples)] : [];

    private IEnumerable<Measurement<int>> Mode() =>
        Readings().ElevatorMode is { } mode ? [new(1, new KeyValuePair<string, object?>("mode", mode))] : [];
}
