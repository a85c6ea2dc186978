using System.Globalization;
using EdgeGateway.Core.Health;
using EdgeGateway.Contracts.Fleet;
using EdgeGateway.Supervision.Hosting;
using EdgeGateway.Supervision.Progress;

namespace EdgeGateway.Host.Fleet;

/// <summary>The analysed-frame counts of the cameras when the measurement started.</summary>
internal sealed record GateBaseline(DateTimeOffset At, IReadOnlyDictionary<string, long> FramesAnalysed);

/// <summary>
/// The health gates of a watch, with the box's own numbers: the uplink is connected, every configured camera
/// analysed at least half its <c>AnalysisFps</c> over the watch (after a warm-up), the elevator sampler makes
/// progress, and no service has faulted. Every part is optional, as on the page.
/// </summary>
internal sealed class FleetHealthGates(IServiceProvider services, IConfiguration configuration)
{
    public const string ElevatorPart = "elevator sampler";

    public GateBaseline Baseline(DateTimeOffset now) =>
        new(now, (services.GetService<ICameraMonitor>()?.GetHealth() ?? []).ToDictionary(c => c.CameraId, c => c.FramesAnalysed, StringComparer.Ordinal));

    public IReadOnlyList<FleetGate> Evaluate(GateBaseline baseline, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        var gates = new List<FleetGate>();
        if (services.GetService<IUplinkMonitor>() is { } uplink)
        {
            var health = uplink.GetHealth();
            gates.Add(new FleetGate("uplink", health.Connected, health.Connected
                ? $"uplink connected to {health.Broker}"
                : $"uplink not connected to {health.Broker}{(health.LastError is { } error ? $" ({error})" : "")}"));
        }

        var seconds = Math.Max((now - baseline.At).TotalSeconds, 0.001);
        // Without a camera monitor the pipeline was not wired at start: its cameras run from the next start on.
        var monitor = services.GetService<ICameraMonitor>();
        var cameras = (monitor?.GetHealth() ?? []).ToDictionary(c => c.CameraId, StringComparer.Ordinal);
        foreach (var camera in monitor is null ? [] : configuration.GetSection("Cameras").GetChildren())
        {
            var id = camera["Id"] ?? camera.Key;
            var expected = (double.TryParse(camera["AnalysisFps"], NumberStyles.Float, CultureInfo.InvariantCulture, out var fps) ? fps : 5) / 2;
            var frames = cameras.TryGetValue(id, out var health) ? health.FramesAnalysed : 0;
            var before = baseline.FramesAnalysed.GetValueOrDefault(id);

            // A camera restarted by the change counts from zero again.
            var analysed = (frames >= before ? frames - before : frames) / seconds;
            gates.Add(new FleetGate($"camera {id}", analysed >= expected,
                string.Create(CultureInfo.InvariantCulture, $"camera '{id}' analysed {analysed:0.0} fps; expected at least {expected:0.0#}")));
        }

        if (services.GetService<ProgressRegistry>()?.Snapshot().FirstOrDefault(p => p.Part == ElevatorPart) is { } sampler)
        {
            gates.Add(new FleetGate("elevator", !sampler.Stalled,
                string.Create(CultureInfo.InvariantCulture, $"elevator sampler last progressed {sampler.SinceLastBeat.TotalSeconds:0.0} s ago; expected within {sampler.Deadline.TotalSeconds:0} s")));
        }

        var fault = ServiceFault.Find(services);
        gates.Add(new FleetGate("services", fault is null, fault is null ? "no service faulted" : fault.Describe("edgegw")));
        return gates;
    }
}
