using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using OpenCvSharp;

namespace EdgeGateway.Vision.Native;

/// <summary>
/// The one place that knows whether OpenCV's native half loads: <c>libOpenCvSharpExtern.so</c> beside
/// the binary and the Debian OpenCV libraries it links. Every verb that decodes or draws frames asks
/// it first, <c>doctor</c> shows its answer, and the CLI maps a late load failure through it, so a
/// missing library is one line naming what to install instead of a <see cref="TypeInitializationException"/>.
/// </summary>
public static partial class NativeVision
{
    /// <summary>The library name OpenCvSharp's P/Invokes use.</summary>
    public const string ExternLibrary = "OpenCvSharpExtern";

    /// <summary>The Debian package that ships <c>libOpenCvSharpExtern.so</c> for the box.</summary>
    public const string GatewayPackage = "edgegw";

    private static readonly Lazy<NativeVisionStatus> Probed = new(() => Probe(typeof(Mat).Assembly), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Loads the native library once per process and reports how it went.</summary>
    public static NativeVisionStatus Status => Probed.Value;

    /// <summary>Throws <see cref="NativeVisionException"/> with the one-line problem unless vision can run.</summary>
    public static void EnsureAvailable()
    {
        if (Status.Problem is { } problem)
        {
            throw new NativeVisionException(problem);
        }
    }

    /// <summary>
    /// The one-line problem when <paramref name="exception"/> (or one it wraps) is OpenCV's native
    /// library failing to load; null for any other exception.
    /// </summary>
    public static string? Describe(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case NativeVisionException known:
                    return known.Message;
                case DllNotFoundException missing when missing.Message.Contains(ExternLibrary, StringComparison.Ordinal):
                    return DescribeLoadError(missing.Message);
                case EntryPointNotFoundException entry when entry.Message.Contains(ExternLibrary, StringComparison.Ordinal):
                    return $"vision: {LibraryFile} beside edgegw does not match this version of edgegw ({FirstLine(entry.Message)}); reinstall the {GatewayPackage} package";
                case BadImageFormatException bad when bad.Message.Contains(ExternLibrary, StringComparison.Ordinal):
                    return $"vision: {LibraryFile} is built for another CPU ({FirstLine(bad.Message)}); install the {GatewayPackage} package built for {RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant()}";
                default:
                    break;
            }
        }

        return null;
    }

    /// <summary>
    /// Turns the loader's message (one <c>file: error</c> per path tried) into one line: the missing
    /// dependency and its Debian package when the wrapper was found, else the wrapper itself.
    /// </summary>
    internal static string DescribeLoadError(string loaderMessage)
    {
        var failures = LoaderFailure().Matches(loaderMessage)
            .Select(m => (File: Path.GetFileName(m.Groups["file"].Value), Error: m.Groups["error"].Value.Trim()))
            .ToList();
        if (failures.FirstOrDefault(f => !f.File.Contains(ExternLibrary, StringComparison.Ordinal)) is { File.Length: > 0 } dependency)
        {
            return $"vision: {LibraryFile} needs {dependency.File}, which does not load ({dependency.Error}); install it: sudo apt-get install {PackageFor(dependency.File)}";
        }

        if (failures.FirstOrDefault(f => f.File.Contains(ExternLibrary, StringComparison.Ordinal) && !f.Error.Contains("No such file", StringComparison.Ordinal)) is { File.Length: > 0 } broken)
        {
            return $"vision: {broken.File} does not load ({broken.Error}); reinstall the {GatewayPackage} package";
        }

        return $"vision: {LibraryFile} not found beside edgegw in {AppContext.BaseDirectory.TrimEnd('/')}; reinstall the {GatewayPackage} package";
    }

    /// <summary>The Debian 12 package that ships a shared library the wrapper links.</summary>
    internal static string PackageFor(string soname)
    {
        if (OpenCvModule().Match(soname) is { Success: true } opencv)
        {
            // libopencv_imgcodecs.so.406 is in libopencv-imgcodecs406, and so on for every module.
            return $"libopencv-{opencv.Groups["module"].Value.Replace('_', '-')}{opencv.Groups["version"].Value}";
        }

        return soname switch
        {
            _ when soname.StartsWith("libstdc++.so", StringComparison.Ordinal) => "libstdc++6",
            _ when soname.StartsWith("libgcc_s.so", StringComparison.Ordinal) => "libgcc-s1",
            _ when soname.StartsWith("libgtk-3.so", StringComparison.Ordinal) => "libgtk-3-0",
            _ when soname.StartsWith("libgpiod.so", StringComparison.Ordinal) => "libgpiod2",
            _ when soname.StartsWith("libav", StringComparison.Ordinal) || soname.StartsWith("libsw", StringComparison.Ordinal) => "ffmpeg",
            _ => $"the package that provides {soname} (apt-file search {soname})",
        };
    }

    private static string LibraryFile => $"lib{ExternLibrary}.so";

    private static NativeVisionStatus Probe(Assembly openCvSharp)
    {
        try
        {
            // The same search as OpenCvSharp's own P/Invokes: beside the binary, then the runtime's
            // native folders and the system loader path. The loader's error names what is missing.
            var handle = NativeLibrary.Load(ExternLibrary, openCvSharp, null);
            NativeLibrary.Free(handle);
            return NativeVisionStatus.Loaded(Cv2.GetVersionString() ?? "(unknown version)");
        }
#pragma warning disable CA1031 // Every way the native half can fail to load becomes the one line; anything else is rethrown.
        catch (Exception ex) when (Describe(ex) is { } problem)
#pragma warning restore CA1031
        {
            return NativeVisionStatus.Missing(problem);
        }
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();

    // "/opt/edgegw/libOpenCvSharpExtern.so: cannot open shared object file: No such file or directory"
    // "libopencv_imgcodecs.so.406: cannot open shared object file: No such file or directory"
    [GeneratedRegex(@"(?<file>[^\s:]+\.so[.\d]*): (?<error>[^\n]+)")]
    private static partial Regex LoaderFailure();

    [GeneratedRegex(@"^libopencv_(?<module>\w+?)\.so\.(?<version>\d+)")]
    private static partial Regex OpenCvModule();
}

/// <summary>Whether OpenCV's native half loads, and the one line to print when it does not.</summary>
public sealed record NativeVisionStatus(bool Available, string? OpenCvVersion, string? Problem)
{
    public static NativeVisionStatus Loaded(string version) => new(true, version, null);

    public static NativeVisionStatus Missing(string problem) => new(false, null, problem);
}

/// <summary>OpenCV's native library does not load here; the message is the one line to print.</summary>
public sealed class NativeVisionException : Exception
{
    public NativeVisionException()
    {
    }

    public NativeVisionException(string message)
        : base(message)
    {
    }

    public NativeVisionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
