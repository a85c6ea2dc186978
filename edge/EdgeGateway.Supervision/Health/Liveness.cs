using System.Globalization;
using EdgeGateway.Supervision.Progress;

namespace EdgeGateway.Supervision.Health;

/// <summary>Liveness, the same question the watchdog asks: the process answers, and no part has stalled.</summary>
public static class Liveness
{
    public static HealthReport Check(ProgressRegistry progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        var checks = new List<HealthCheck> { HealthCheck.Pass("process", "up") };
        foreach (var part in progress.Snapshot())
        {
            var detail = string.Create(CultureInfo.InvariantCulture, $"last progress {part.SinceLastBeat.TotalSeconds:0.0} s ago (deadline {part.Deadline.TotalSeconds:0} s)");
            checks.Add(part.Stalled ? HealthCheck.Fail(part.Part, detail) : HealthCheck.Pass(part.Part, detail));
        }

        return HealthReport.Of(checks);
    }
}
