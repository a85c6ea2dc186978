using System.Diagnostics;

namespace EdgeGateway.Host.Setup.Doctor;

/// <summary>Runs every check with its own time limit; a check that hangs or crashes is a failure line.</summary>
internal sealed class GatewayDoctor(IReadOnlyList<IDoctorCheck> checks, TimeSpan perCheckTimeout)
{
    public static GatewayDoctor Default(InstallCatalog catalog) => new(
        [
            new ConfigCheck(catalog),
            new ModelCheck(),
            new VisionLibraryCheck(),
            new CameraCheck(),
            new BoardCheck(),
            new BrokerCheck(),
            new DiskCheck(),
            new ClockCheck(),
            new FleetCheck(),
        ],
        TimeSpan.FromSeconds(20));

    public async Task<DoctorReport> RunAsync(DoctorContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var started = Stopwatch.GetTimestamp();
        var ranAt = context.Time.GetUtcNow();
        var runs = checks.Select(check => RunOneAsync(check, context, cancellationToken)).ToArray();
        var results = await Task.WhenAll(runs);
        return new DoctorReport(ranAt, Math.Round(Stopwatch.GetElapsedTime(started).TotalSeconds, 2), [.. results.SelectMany(r => r)]);
    }

    private async Task<IReadOnlyList<DoctorResult>> RunOneAsync(IDoctorCheck check, DoctorContext context, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(perCheckTimeout);
        try
        {
            return await Task.Run(() => check.RunAsync(context, timeout.Token), timeout.Token).WaitAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return [DoctorResult.Fail(check.Name, $"no answer within {perCheckTimeout.TotalSeconds:0} s", "the device or service it talks to hangs; check its cabling, address and firewall")];
        }
#pragma warning disable CA1031 // A crashing check must become a failure line, not end the doctor.
        catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
        {
            return [DoctorResult.Fail(check.Name, $"check crashed: {ex.GetType().Name}: {ex.Message}", "report this with the doctor's output")];
        }
    }
}
