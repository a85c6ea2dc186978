using System.Diagnostics.Metrics;
using EdgeGateway.Contracts.Telemetry;
using EdgeGateway.Core.Health;
using EdgeGateway.Core.Outbox;
using EdgeGateway.Host.Fleet;
using EdgeGateway.Host.Health;
using EdgeGateway.Uplink.Mqtt;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace EdgeGateway.Host.Tests.Health;

/// <summary>
/// The health report as the relay receives it: its numbers from the readings, every interval and at once on a change
/// of state, never while an alarm waits, and only the latest after the link was down.
/// </summary>
[Trait("Category", "Unit")]
public sealed class HealthReporterTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 8, 3, 0, 0, TimeSpan.Zero));
    private readonly FakeSource _source;
    private readonly FakeChannel _channel = new();
    private readonly HealthReporter _reporter;

    public HealthReporterTests()
    {
        _source = new FakeSource(_time, _channel);
        _reporter = new HealthReporter(_source, _channel, Interval, _time, NullLogger<HealthReporter>.Instance);
    }

    [Fact]
    public async Task The_report_carries_the_cameras_rates_over_the_interval_and_the_boxs_numbers()
    {
        await StepAsync();
        _source.Analyse("kitchen-1", read: 600, analysed: 300, detectorRuns: 100, detectorSeconds: 2.5, lag: 0.12);
        _source.ElevatorSamples = 1000 + 600;
        _time.Advance(Interval);
        await StepAsync();

        var report = Decode(_channel.Published[^1]);
        var camera = Assert.Single(report.Cameras, c => c.Id == "kitchen-1");
        Assert.True(camera.Up);
        Assert.Equal(10, camera.ReadFps);
        Assert.Equal(5, camera.AnalysedFps);
        Assert.Equal(5, camera.TargetFps);
        Assert.Equal(300, camera.FramesAnalysed);
        Assert.Equal(25, camera.InferenceMs);
        Assert.Equal(120, camera.LagMs);
        Assert.Equal(7, report.OutboxDepth["snapshot"]);
        Assert.Equal(0, report.OutboxDepth["alarm"]);
        Assert.Equal(42L * 1024 * 1024 * 1024, report.DiskFreeBytes);
        Assert.Null(report.TemperatureC);
        Assert.Equal(12, report.ConfigVersion);
        Assert.Equal(18.5, report.UplinkRoundTripMs);
        Assert.Equal(60, report.UptimeSeconds);
        Assert.Equal(10, report.ElevatorSamplesPerSecond);
        Assert.Equal("inspection", report.ElevatorMode);
    }

    [Fact]
    public async Task A_camera_going_down_is_reported_at_once_and_coming_back_too()
    {
        await StepAsync();
        Assert.Single(_channel.Published);

        _time.Advance(HealthReporter.CheckEvery);
        _source.Down("kitchen-1", "rtsp: connection refused");
        await StepAsync();

        Assert.Equal(2, _channel.Published.Count);
        var down = Assert.Single(Decode(_channel.Published[^1]).Cameras, c => c.Id == "kitchen-1");
        Assert.False(down.Up);
        Assert.Equal("rtsp: connection refused", down.Error);

        _time.Advance(HealthReporter.CheckEvery);
        _source.Up("kitchen-1");
        await StepAsync();
        Assert.Equal(3, _channel.Published.Count);
        Assert.True(Assert.Single(Decode(_channel.Published[^1]).Cameras, c => c.Id == "kitchen-1").Up);
    }

    [Fact]
    public async Task Disk_turning_low_is_reported_at_once()
    {
        await StepAsync();
        _time.Advance(HealthReporter.CheckEvery);
        _source.DiskLow = true;
        await StepAsync();

        Assert.Equal(2, _channel.Published.Count);
    }

    [Fact]
    public async Task Without_a_change_a_report_goes_once_per_interval()
    {
        for (var second = 0; second < 181; second++)
        {
            await StepAsync();
            _time.Advance(HealthReporter.CheckEvery);
        }

        // At 0, 60, 120 and 180 s.
        Assert.Equal(4, _channel.Published.Count);
    }

    [Fact]
    public async Task While_offline_only_the_latest_report_waits_and_it_goes_once_the_link_is_back()
    {
        _channel.Connected = false;
        for (var second = 0; second < 600; second++)
        {
            await StepAsync();
            _time.Advance(HealthReporter.CheckEvery);
        }

        Assert.Empty(_channel.Published);
        Assert.True(_reporter.Built >= 10);

        _channel.Connected = true;
        _channel.Connections = 2;
        await StepAsync();
        _time.Advance(HealthReporter.CheckEvery);
        await StepAsync();

        var report = Decode(Assert.Single(_channel.Published));
        Assert.Equal(1, report.UplinkReconnects);
        Assert.Equal(_time.GetUtcNow().ToUnixTimeMilliseconds() - 1000, report.TimeMs);
    }

    [Fact]
    public async Task A_report_waits_while_an_alarm_is_in_the_outbox()
    {
        _source.Alarms = 3;
        for (var second = 0; second < 130; second++)
        {
            await StepAsync();
            _time.Advance(HealthReporter.CheckEvery);
        }

        Assert.Empty(_channel.Published);

        _source.Alarms = 0;
        await StepAsync();
        Assert.Single(_channel.Published);
    }

    [Fact]
    public async Task A_report_the_broker_refuses_is_not_tried_again_every_second()
    {
        _channel.Refuse = true;
        for (var second = 0; second < 30; second++)
        {
            await StepAsync();
            _time.Advance(HealthReporter.CheckEvery);
        }

        Assert.Equal(1, _channel.Attempts);
    }

    [Fact]
    public void The_instruments_read_the_same_numbers_with_units_and_tags()
    {
        _source.Analyse("kitchen-1", read: 600, analysed: 300, detectorRuns: 100, detectorSeconds: 2.5, lag: 0.12);
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = services.GetRequiredService<IMeterFactory>();
        var instruments = new HealthInstruments(meters, _source, _time);
        var seen = new List<(string Name, string? Unit, double Value, string? Tag)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            // This factory's meters only: a box running in another test has the same names.
            if (ReferenceEquals(instrument.Meter.Scope, meters))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) => seen.Add((i.Name, i.Unit, v, Tag(tags))));
        listener.SetMeasurementEventCallback<double>((i, v, tags, _) => seen.Add((i.Name, i.Unit, v, Tag(tags))));
        listener.SetMeasurementEventCallback<int>((i, v, tags, _) => seen.Add((i.Name, i.Unit, v, Tag(tags))));
        listener.Start();
        listener.RecordObservableInstruments();

        Assert.Contains(("edgegw.camera.frames.analysed", "{frame}", 300d, "kitchen-1"), seen);
        Assert.Contains(("edgegw.camera.frames.read", "{frame}", 600d, "kitchen-1"), seen);
        Assert.Contains(("edgegw.outbox.depth", "{record}", 7d, "snapshot"), seen);
        Assert.Contains(("edgegw.disk.free", "By", 42d * 1024 * 1024 * 1024, null), seen);
        Assert.DoesNotContain(seen, m => m.Name == "edgegw.host.temperature");
        Assert.All(seen, m => Assert.DoesNotContain("_total", m.Name, StringComparison.Ordinal));
        Assert.Equal(1, _source.Reads);
        GC.KeepAlive(instruments);
    }

    [Theory]
    [InlineData("00:00:00")]
    [InlineData("02:00:00")]
    public void A_health_interval_out_of_range_gets_one_line_naming_the_key(string value)
    {
        var result = new FleetOptionsValidator().Validate(null, new FleetOptions { HealthInterval = TimeSpan.Parse(value, System.Globalization.CultureInfo.InvariantCulture) });

        var line = Assert.Single(result.Failures!);
        Assert.Equal($"Fleet:HealthInterval = '{value}': expected 00:00:01 to 01:00:00", line);
    }

    private static string? Tag(ReadOnlySpan<KeyValuePair<string, object?>> tags) => tags.Length == 0 ? null : tags[0].Value?.ToString();

    private static HealthReport Decode(byte[] payload)
    {
        Assert.True(HealthReport.TryDecode(payload, out var report, out var problem), problem);
        return report!;
    }

    private Task StepAsync() => _reporter.StepAsync(CancellationToken.None);

    private sealed class FakeChannel : IHealthChannel
    {
        public List<byte[]> Published { get; } = [];

        public bool Connected { get; set; } = true;

        public bool Refuse { get; set; }

        public int Attempts { get; private set; }

        public bool IsConnected => Connected;

        public int Connections { get; set; } = 1;

        public TimeSpan? LastRoundTrip => TimeSpan.FromMilliseconds(18.5);

        public Task<int> WaitForConnectionAsync(int afterConnection, CancellationToken cancellationToken) => Task.FromResult(Connections);

        public Task<UplinkSendResult> PublishHealthAsync(ReadOnlyMemory<byte> report, CancellationToken cancellationToken)
        {
            Attempts++;
            if (Refuse)
            {
                return Task.FromResult(UplinkSendResult.Refused(Connections, "not authorised"));
            }

            Published.Add(report.ToArray());
            return Task.FromResult(UplinkSendResult.Confirmed(Connections));
        }
    }

    private sealed class FakeSource(TimeProvider time, FakeChannel link) : IHealthSource
    {
        private readonly DateTimeOffset _start = time.GetUtcNow();
        private readonly Dictionary<string, CameraHealth> _cameras = new(StringComparer.Ordinal)
        {
            ["kitchen-1"] = new("kitchen-1", "kitchen", true, 0, 0, 0, 0, 0, null, 0),
            ["kitchen-2"] = new("kitchen-2", "kitchen", true, 0, 0, 0, 0, 0, null, 0),
        };

        public bool DiskLow { get; set; }

        public long Alarms { get; set; }

        public int Reads { get; private set; }

        public long ElevatorSamples { get; set; } = 1000;

        public void Analyse(string camera, long read, long analysed, long detectorRuns, double detectorSeconds, double lag) =>
            _cameras[camera] = _cameras[camera] with
            {
                FramesIn = read, FramesAnalysed = analysed, DetectorRuns = detectorRuns, DetectorSeconds = detectorSeconds, LagSeconds = lag,
            };

        public void Down(string camera, string error) => _cameras[camera] = _cameras[camera] with { Connected = false, LastError = error };

        public void Up(string camera) => _cameras[camera] = _cameras[camera] with { Connected = true, LastError = null };

        public HealthReadings Read()
        {
            Reads++;
            return new HealthReadings
            {
                Now = time.GetUtcNow(),
                Uptime = time.GetUtcNow() - _start,
                Version = "1.2.3",
                ConfigVersion = 12,
                Cameras = [.. _cameras.Values.Select(c => new CameraReading(c, 5))],
                Outbox = new OutboxStats(
                    new Dictionary<OutboxClass, long> { [OutboxClass.Alarm] = Alarms, [OutboxClass.Snapshot] = 7 },
                    4096, 1 << 20, 8192, 3, new Dictionary<OutboxClass, long>(), 0, 0, 0, 0)
                { StorageFull = DiskLow },
                DiskFreeBytes = 42L * 1024 * 1024 * 1024,
                DiskTotalBytes = 64L * 1024 * 1024 * 1024,
                CpuPercent = 12.5,
                MemoryBytes = 300L * 1024 * 1024,
                UplinkConnected = link.Connected,
                Connections = link.Connections,
                RoundTrip = TimeSpan.FromMilliseconds(18.5),
                ElevatorMode = "inspection",
                ElevatorSamples = ElevatorSamples,
            };
        }

        public HealthState State() => new(
            string.Join(',', _cameras.Values.Where(c => c.Connected && c.LastError is null).Select(c => c.CameraId)), DiskLow, link.Connections);

        public long AlarmsWaiting() => Alarms;
    }
}
