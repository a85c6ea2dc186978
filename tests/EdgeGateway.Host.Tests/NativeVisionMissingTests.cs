using System.Diagnostics;
using EdgeGateway.Testing;

namespace EdgeGateway.Host.Tests;

/// <summary>
/// The real edgegw, copied without <c>libOpenCvSharpExtern.so</c>: every verb that needs vision
/// prints one line naming what to install and exits non-zero, and doctor fails on one line.
/// </summary>
[Trait("Category", "Integration")]
public sealed class NativeVisionMissingTests : IClassFixture<NativeVisionMissingTests.BuildWithoutVision>
{
    private readonly BuildWithoutVision _build;

    public NativeVisionMissingTests(BuildWithoutVision build) => _build = build;

    public static TheoryData<string[]> VisionVerbs => new()
    {
        { new[] { "detect", "--model", "yolox-nano-coco80", RepoPaths.SharedFile("images", "street-bicycle-dog.jpg") } },
        { new[] { "bench", "vision", "--model", "yolox-nano-coco80", "--clip", RepoPaths.SharedFile("video", "street-720p-10fps.mp4"), "--seconds", "1" } },
        { new[] { "run", "--config", "{config}" } },
        { new[] { "demo", "--seconds", "5", "--clip", RepoPaths.SharedFile("video", "street-720p-10fps.mp4") } },
    };

    [Theory]
    [MemberData(nameof(VisionVerbs))]
    public async Task A_verb_needing_vision_prints_one_line_and_exits_non_zero(string[] args)
    {
        var (exit, output, errors) = await _build.RunAsync([.. args.Select(a => a == "{config}" ? _build.CameraConfig : a)]);

        Assert.NotEqual(0, exit);
        var line = Assert.Single(errors.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Matches($"^edgegw {(args[0] == "bench" ? "bench vision" : args[0])}: vision: libOpenCvSharpExtern.so not found beside edgegw in .*; reinstall the edgegw package$", line);
        Assert.DoesNotContain("Exception", output + errors, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output + errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Doctor_fails_on_one_vision_line_and_no_check_crashes()
    {
        var (exit, output, _) = await _build.RunAsync("doctor", "--config", _build.CameraConfig);

        Assert.Equal(1, exit);
        var vision = Assert.Single(output.Split('\n'), l => l.Contains("libOpenCvSharpExtern.so not found", StringComparison.Ordinal));
        Assert.Contains("vision", vision, StringComparison.Ordinal);
        Assert.Contains("Fail", vision, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("check crashed", output, StringComparison.Ordinal);
        Assert.DoesNotContain("TypeInitializationException", output, StringComparison.Ordinal);
    }

    /// <summary>A copy of the Host's build output without the native OpenCV wrapper, and a config with one camera.</summary>
    public sealed class BuildWithoutVision : IDisposable
    {
        private readonly TempDirectory _folder = new("edgegw-novision-");

        public BuildWithoutVision()
        {
            // tests/EdgeGateway.Host.Tests/bin/<Configuration>/net10.0/ -> edge/EdgeGateway.Host/bin/<Configuration>/net10.0/
            var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/'));
            var source = Path.Combine(RepoPaths.Root, "edge", "EdgeGateway.Host", "bin", testOutput.Parent!.Name, testOutput.Name);
            Copy(source, Path.Combine(_folder.Path, "edgegw"));
            CameraConfig = _folder.File("gateway.json");
            File.WriteAllText(CameraConfig, $$"""
                {
                  "Device": { "Id": "gw-novision", "Site": "test-site" },
                  "Uplink": { "Broker": "mqtt://127.0.0.1:{{FreePort.Next()}}" },
                  "Storage": { "DataDir": "{{_folder.File("data")}}" },
                  "Diagnostics": { "Url": "http://127.0.0.1:0" },
                  "Cameras": [ { "Id": "car-1", "Url": "{{RepoPaths.SharedFile("video", "street-720p-10fps.mp4")}}", "Role": "car", "Model": "yolox-nano-coco80" } ]
                }
                """);
            File.SetUnixFileMode(CameraConfig, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        public string CameraConfig { get; }

        public Task<(int Exit, string Output, string Errors)> RunAsync(params string[] args) => RunAsync((IReadOnlyList<string>)args);

        public async Task<(int Exit, string Output, string Errors)> RunAsync(IReadOnlyList<string> args)
        {
            var start = new ProcessStartInfo("dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = _folder.Path,
            };
            start.ArgumentList.Add(Path.Combine(_folder.Path, "edgegw", "edgegw.dll"));
            foreach (var arg in args)
            {
                start.ArgumentList.Add(arg);
            }

            start.Environment["EDGEGW_SHARED"] = RepoPaths.Shared; // the copy is outside the checkout
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"edgegw {string.Join(' ', args)} did not exit within 90 s");
            }

            return (process.ExitCode, await output, await errors);
        }

        public void Dispose() => _folder.Dispose();

        private static void Copy(string from, string to)
        {
            foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
            {
                var relative = Path.GetRelativePath(from, file);
                // Only this machine's native assets, and never the OpenCV wrapper.
                if (Path.GetFileName(file) == "libOpenCvSharpExtern.so"
                    || (relative.StartsWith("runtimes/", StringComparison.Ordinal) && !relative.StartsWith("runtimes/linux-x64/", StringComparison.Ordinal) && !relative.StartsWith("runtimes/unix/", StringComparison.Ordinal)))
                {
                    continue;
                }

                var target = Path.Combine(to, relative);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target);
            }
        }
    }
}
