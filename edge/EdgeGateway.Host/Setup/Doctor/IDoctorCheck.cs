using EdgeGateway.Host.Diagnostics;
using Microsoft.Extensions.Configuration;

namespace EdgeGateway.Host.Setup.Doctor;

/// <summary>What every check may look at.</summary>
/// <param name="Configuration">The gateway config as it would be loaded by <c>edgegw run</c>.</param>
/// <param name="ConfigPath">The file it came from, when the doctor runs from the command line.</param>
/// <param name="Live">The running gateway's parts, when the doctor runs inside it (the page's rerun button).</param>
/// <param name="Services">The composition root's services for <paramref name="Configuration"/> (nothing started), when there are any.</param>
internal sealed record DoctorContext(IConfiguration Configuration, string? ConfigPath, TimeProvider Time, GatewayParts? Live = null, IServiceProvider? Services = null)
{
    public GatewaySettings Settings { get; } = GatewaySettings.Read(Configuration);
}

/// <summary>One area of the doctor; returns one or more table lines and never throws for a bad box.</summary>
internal interface IDoctorCheck
{
    string Name { get; }

    Task<IReadOnlyList<DoctorResult>> RunAsync(DoctorContext context, CancellationToken cancellationToken);
}
