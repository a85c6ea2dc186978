using System.Diagnostics;
using System.Diagnostics.Metrics;
using EdgeGateway.Core.Health;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeGateway.Host.Health;

/// <summary>
/// What the health reporting costs: CPU time of one report (read every number from /proc, /sys, the disk and four
/// cameras' stats, build, encode), of one state check (done every second), and of one collection of every
/// instrument; and from these the share of one core spent at a given interval.
/// </summary>
internal static class HealthBenchmark
{
    public sealed record Result(int Reports, double CpuMsPerReport, double CpuMsPerCheck, double CpuMsPerCollection, int ReportBytes, double CpuMsPerMinute, double CorePercent);

    public static Result Run(int reports, TimeSpan interval, string dataDir)
    {
        var cameras = new BenchCameras(4);
        var source = new GatewayHealthSource(cameras, null, null, null, null, null, dataDir, TimeProvider.System);
        var reporter = new HealthReportBuilderLoop(source);

        // Warm up (JIT, first reads), then measure.
        reporter.Report(cameras);
        var reportMs = CpuMs(reports, () => reporter.Report(cameras));
        var checkMs = CpuMs(reports, () => source.State());

        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = services.GetRequiredService<IMeterFactory>();
        _ = new HealthInstruments(meters, source, TimeProvider.System);
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, meters))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.Start();

        // Each collection reads afresh (the readings are kept 0.5 s): wait that out between collections.
        var collections = Math.Min(reports, 20);
        var collectionMs = 0.0;
        for (var i = 0; i < collections; i++)
        {
            Thread.Sleep(550);
            collectionMs += CpuMs(1, listener.RecordObservableInstruments);
        }

        collectionMs /= collections;
        var perMinute = (reportMs * (TimeSpan.FromMinutes(1) / interval)) + (checkMs * (TimeSpan.FromMinutes(1) / HealthReporter.CheckEvery));
        return new Result(reports, reportMs, checkMs, collectionMs, reporter.LastBytes, perMinute, perMinute / 60_000 * 100);
    }

    private static double CpuMs(int times, Action action)
    {
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        var before = process.TotalProcessorTime;
        for (var i = 0; i < times; i++)
        {
            action();
        }

        process.Refresh();
        return (process.TotalProcessorTime - before).TotalMilliseconds / times;
    }

    /// <summary>Builds and encodes reports as the reporter does, each against the previous.</summary>
    private sealed class HealthReportBuilderLoop(IHealthSource source)
    {
        private HealthReadings? _previous;

        public int LastBytes { get; private set; }

        public void Report(BenchCameras cameras)
        {
            cameras.Advance();
            var readings = source.Read();
            LastBytes = HealthReportBuilder.Build(readings, _previous).Encode().Length;
            _previous = readings;
        }
    }

    /// <summary>Cameras whose counters move between reports, as a running box's do.</summary>
    private sealed class BenchCameras(int count) : ICameraMonitor
    {
        private long _frames;

        public void Advance() => _frames += 300;

        public IReadOnlyList<CameraHealth> GetHealth() =>
            [.. Enumerable.Range(1, count).Select(i => new CameraHealth($"kitchen-{i}", "kitchen", true, _frames * 2, _frames, 3, 0.1, 0, null, 5)
            {
                DetectorRuns = _frames / 2,
                DetectorSeconds = _frames * 0.02,
                LagSeconds = 0.08,
            })];

        public bool TryGetLatestAnnotatedJpeg(string cameraId, out ReadOnlyMemory<byte> jpeg)
        {
            jpeg = default;
            return false;
        }
    }
}
