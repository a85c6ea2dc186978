using System.Diagnostics;
using System.Reflection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Host.Diagnostics;

/// <summary>
/// Samples the box into a one-hour ring for the overview charts, and pushes a status update to
/// every open page while any is open.
/// </summary>
internal sealed class StatusReporter(
    GatewayParts parts,
    LiveFeed feed,
    LogTail tail,
    IOptions<DiagnosticsOptions> options,
    TimeProvider time,
    Fleet.FleetStore? fleet = null) : BackgroundService
{
    private readonly HostReadings _readings = new();
    private readonly RingBuffer<MetricSample> _history = new(
        Math.Max(1, (int)(TimeSpan.FromHours(1) / options.Value.SampleInterval)));

    private readonly DateTimeOffset _startedAt = time.GetUtcNow();
    private MetricSample? _latest;

    public static string Version { get; } =
        typeof(StatusReporter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "dev";

    /// <summary>The last hour of samples, oldest first.</summary>
    public IReadOnlyList<MetricSample> History() => _history.Snapshot();

    public StatusView Current()
    {
        var now = time.GetUtcNow();
        var identity = parts.Identity;
        var uplink = parts.Uplink?.GetHealth();
        return new StatusView(
            identity.DeviceId,
            identity.SiteId,
            Version,
            _startedAt,
            Math.Round((now - _startedAt).TotalSeconds),
            _latest ?? Sample(),
            uplink is null ? null : UplinkView.From(uplink),
            parts.Cameras?.GetHealth(),
            parts.Elevator?.GetSnapshot())
        {
            TimeZone = Commissioning.BoxTime.IanaName(options.Value.BoxTimeZone),
            PushSeconds = options.Value.PushInterval.TotalSeconds,
            Fleet = FleetView(),
        };
    }

    private FleetView? FleetView()
    {
        if (fleet is null)
        {
            return null;
        }

        var inForce = fleet.InForce();
        var report = fleet.LastReport();
        return new FleetView(inForce?.Version, report?.Status, report?.Version,
            inForce is null ? [] : Fleet.FleetParts.Keys(inForce.Document), report?.Lines ?? []);
    }

    /// <summary>Takes one sample now (the CPU share is over the time since the previous one).</summary>
    public MetricSample Sample()
    {
        var memory = _readings.Memory();
        var uplink = parts.Uplink?.GetHealth();
        using var process = Process.GetCurrentProcess();
        return new MetricSample(
            time.GetUtcNow(),
            _readings.CpuPercent(),
            memory?.UsedMb,
            memory?.TotalMb,
            Math.Round(process.WorkingSet64 / 1048576.0, 1),
            _readings.TemperatureC(),
            uplink?.Depth.Values.Sum(),
            uplink?.Connected);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        tail.Written += ForwardLog;
        try
        {
            await SampleAndPushAsync(stoppingToken);
        }
        finally
        {
            tail.Written -= ForwardLog;
        }
    }

    private void ForwardLog(LogLine line) => feed.Publish("log", line);

    private async Task SampleAndPushAsync(CancellationToken stoppingToken)
    {
        var sampleEvery = options.Value.SampleInterval;
        var pushEvery = options.Value.PushInterval;
        var nextSample = time.GetUtcNow();
        using var timer = new PeriodicTimer(pushEvery, time);
        do
        {
            if (time.GetUtcNow() >= nextSample)
            {
                _latest = Sample();
                _history.Add(_latest);
                nextSample += sampleEvery;
            }

            if (feed.Pages > 0)
            {
                feed.Publish("status", Current());
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
