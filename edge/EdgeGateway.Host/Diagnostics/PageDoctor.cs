using EdgeGateway.Host.Setup;
using EdgeGateway.Host.Setup.Doctor;
using Microsoft.Extensions.Configuration;

namespace EdgeGateway.Host.Diagnostics;

/// <summary>The doctor as the page runs it: inside the gateway, one run at a time, last report kept.</summary>
internal sealed class PageDoctor(IConfiguration configuration, GatewayParts parts, TimeProvider time) : IDisposable
{
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);
    private readonly GatewayDoctor _doctor = GatewayDoctor.Default(InstallCatalog.Discover());

    public DoctorReport? Last { get; private set; }

    public async Task<DoctorReport> RunAsync(CancellationToken cancellationToken)
    {
        await _oneAtATime.WaitAsync(cancellationToken);
        try
        {
            Last = await _doctor.RunAsync(new DoctorContext(configuration, ConfigPath: null, time, parts), cancellationToken);
            return Last;
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    public void Dispose() => _oneAtATime.Dispose();
}
