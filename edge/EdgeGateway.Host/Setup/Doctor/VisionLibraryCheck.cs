using EdgeGateway.Vision.Native;

namespace EdgeGateway.Host.Setup.Doctor;

/// <summary>
/// OpenCV's native half loads (<c>libOpenCvSharpExtern.so</c> and the Debian OpenCV libraries it
/// links). It fails the doctor when cameras are configured; a box without cameras only warns.
/// </summary>
internal sealed class VisionLibraryCheck : IDoctorCheck
{
    public string Name => "vision";

    public Task<IReadOnlyList<DoctorResult>> RunAsync(DoctorContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var status = NativeVision.Status;
        IReadOnlyList<DoctorResult> result = status.Problem switch
        {
            null => [DoctorResult.Pass(Name, $"OpenCV {status.OpenCvVersion} loads")],
            { } problem when context.Settings.Cameras.Count > 0 => [DoctorResult.Fail(Name, Detail(problem), Hint(problem))],
            { } problem => [DoctorResult.Warn(Name, Detail(problem), Hint(problem))],
        };
        return Task.FromResult(result);
    }

    /// <summary>The problem without the "vision: " prefix the CLI prints, split at the advice.</summary>
    private static string Detail(string problem) => Strip(problem).Split("; ", 2)[0];

    private static string Hint(string problem) => Strip(problem).Split("; ", 2) is [_, var hint] ? hint : "reinstall the edgegw package";

    private static string Strip(string problem) => problem.StartsWith("vision: ", StringComparison.Ordinal) ? problem["vision: ".Length..] : problem;
}
