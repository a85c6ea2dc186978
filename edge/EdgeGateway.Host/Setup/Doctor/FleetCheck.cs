using EdgeGateway.Contracts.Fleet;
using EdgeGateway.Core.Configuration;
using EdgeGateway.Host.Fleet;

namespace EdgeGateway.Host.Setup.Doctor;

/// <summary>The fleet configuration in force (or none) and what the box last said about one, from <c>{Storage:DataDir}/fleet/</c>.</summary>
internal sealed class FleetCheck : IDoctorCheck
{
    public string Name => "fleet";

    public Task<IReadOnlyList<DoctorResult>> RunAsync(DoctorContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var problems = new List<string>();
        var store = new FleetStore(StorageOptions.DataDirIn(context.Configuration), problems.Add);
        var inForce = store.InForce();
        var report = store.LastReport();
        if (problems.Count > 0)
        {
            return Task.FromResult<IReadOnlyList<DoctorResult>>([DoctorResult.Warn(Name, problems[0], "the box runs on its own config file until the relay sends its configuration again")]);
        }

        var text = $"{Describe(inForce)} in force; last status {(report is null ? "none" : $"{report.Status} (version {report.Version})")}";
        return Task.FromResult<IReadOnlyList<DoctorResult>>(report?.Status is FleetConfigStatus.Invalid or FleetConfigStatus.RolledBack
            ? [DoctorResult.Warn(Name, $"{text}: {string.Join("; ", report.Lines)}", "fix the fleet layer for this box on the relay")]
            : [DoctorResult.Pass(Name, text)]);
    }

    private static string Describe(DesiredConfig? inForce) => inForce is null ? "no fleet version" : $"fleet version {inForce.Version}";
}
