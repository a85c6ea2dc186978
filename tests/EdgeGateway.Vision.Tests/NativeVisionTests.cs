using System.Runtime.InteropServices;
using EdgeGateway.Testing;
using EdgeGateway.Vision.Native;

namespace EdgeGateway.Vision.Tests;

/// <summary>How a native library that does not load becomes the one line an installer reads.</summary>
[Trait("Category", "Unit")]
public sealed class NativeVisionTests
{
    // What the .NET loader reports when the wrapper is found but one of its libraries is not: one
    // "file: dlerror" line per path it tried.
    private const string DependencyMissing =
        "Unable to load shared library 'OpenCvSharpExtern' or one of its dependencies. In order to help diagnose loading problems, "
        + "consider using a tool like strace. If you're using glibc, consider setting the LD_DEBUG environment variable: \n"
        + "libopencv_imgcodecs.so.406: cannot open shared object file: No such file or directory\n"
        + "/opt/edgegw/OpenCvSharpExtern.so: cannot open shared object file: No such file or directory\n"
        + "libOpenCvSharpExtern.so: cannot open shared object file: No such file or directory\n";

    private const string ExternMissing =
        "Unable to load shared library 'OpenCvSharpExtern' or one of its dependencies. In order to help diagnose loading problems, "
        + "consider using a tool like strace. If you're using glibc, consider setting the LD_DEBUG environment variable: \n"
        + "/opt/edgegw/OpenCvSharpExtern.so: cannot open shared object file: No such file or directory\n"
        + "/opt/edgegw/libOpenCvSharpExtern.so: cannot open shared object file: No such file or directory\n"
        + "OpenCvSharpExtern: cannot open shared object file: No such file or directory\n";

    [Fact]
    public void A_missing_OpenCV_module_names_its_Debian_package()
    {
        var line = NativeVision.Describe(new DllNotFoundException(DependencyMissing));

        Assert.Equal(
            "vision: libOpenCvSharpExtern.so needs libopencv_imgcodecs.so.406, which does not load (cannot open shared object file: No such file or directory); "
            + "install it: sudo apt-get install libopencv-imgcodecs406",
            line);
    }

    [Fact]
    public void The_type_initializer_failure_OpenCvSharp_throws_is_unwrapped_to_the_same_line()
    {
        // What Mat's first use throws today: NativeMethods' static constructor wrapping the loader's error.
        var thrown = new TypeInitializationException("OpenCvSharp.Internal.NativeMethods", new DllNotFoundException(DependencyMissing));

        Assert.Equal(NativeVision.Describe(new DllNotFoundException(DependencyMissing)), NativeVision.Describe(thrown));
        Assert.Contains("libopencv-imgcodecs406", NativeVision.Describe(new InvalidOperationException("wrapped", thrown)), StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_wrapper_says_where_it_was_looked_for_and_which_package_ships_it()
    {
        var line = NativeVision.Describe(new DllNotFoundException(ExternMissing));

        Assert.StartsWith("vision: libOpenCvSharpExtern.so not found beside edgegw in ", line, StringComparison.Ordinal);
        Assert.EndsWith("; reinstall the edgegw package", line, StringComparison.Ordinal);
        Assert.DoesNotContain("\n", line!, StringComparison.Ordinal);
    }

    [Fact]
    public void A_damaged_wrapper_is_reported_with_the_loaders_reason()
    {
        // A real loader message: a file of the right name that is not a shared library.
        using var folder = new TempDirectory("edgegw-native-");
        var path = folder.File("libOpenCvSharpExtern.so");
        File.WriteAllText(path, "not an ELF file");
        var error = Assert.Throws<DllNotFoundException>(() => NativeLibrary.Load(path));

        var line = NativeVision.Describe(error);

        Assert.NotNull(line);
        Assert.StartsWith("vision: libOpenCvSharpExtern.so does not load (", line, StringComparison.Ordinal);
        Assert.Contains("reinstall the edgegw package", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("libopencv_core.so.406", "libopencv-core406")]
    [InlineData("libopencv_imgproc.so.406", "libopencv-imgproc406")]
    [InlineData("libopencv_videoio.so.406", "libopencv-videoio406")]
    [InlineData("libgtk-3.so.0", "libgtk-3-0")]
    [InlineData("libgpiod.so.2", "libgpiod2")]
    [InlineData("libavcodec.so.59", "ffmpeg")]
    [InlineData("libfoo.so.1", "the package that provides libfoo.so.1 (apt-file search libfoo.so.1)")]
    public void Each_library_maps_to_the_package_that_ships_it(string soname, string package)
    {
        Assert.Equal(package, NativeVision.PackageFor(soname));
    }

    [Fact]
    public void Other_failures_are_not_mistaken_for_a_missing_library()
    {
        Assert.Null(NativeVision.Describe(new DllNotFoundException("Unable to load shared library 'onnxruntime'")));
        Assert.Null(NativeVision.Describe(new TypeInitializationException("X", new InvalidOperationException("boom"))));
        Assert.Null(NativeVision.Describe(null));
    }
}

/// <summary>The probe against this machine's real native library.</summary>
[Trait("Category", "Integration")]
public sealed class NativeVisionLoadTests
{
    [Fact]
    public void On_this_build_the_library_loads_and_reports_OpenCVs_version()
    {
        var status = NativeVision.Status;

        Assert.True(status.Available, status.Problem);
        Assert.StartsWith("4.", status.OpenCvVersion, StringComparison.Ordinal);
        NativeVision.EnsureAvailable();
    }
}
