using System.Diagnostics;
using System.Globalization;
using EdgeGateway.Core.Evidence;
using EdgeGateway.Testing;
using EdgeGateway.Vision.Configuration;
using EdgeGateway.Vision.Recording;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Xunit.Abstractions;

namespace EdgeGateway.Vision.Tests;

/// <summary>
/// The real recorder (ffmpeg stream copy of real clips) reconfigured while it runs the way the host does it (the
/// configuration's data changes and it reloads): clips follow the camera's new stream, unchanged cameras keep their
/// ffmpeg child, removed cameras leave none, and a clip under way across the change is still written.
/// </summary>
[Trait("Category", "Integration")]
[Collection(RealtimePipelines.Name)]
public sealed class RecorderReconfigurationTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new("edgegw-recorderlive-");

    [Fact]
    public async Task After_a_cameras_url_changes_new_clips_come_from_the_new_stream_a_clip_under_way_is_still_written_and_the_other_camera_keeps_its_ffmpeg()
    {
        var before = await EncodeAsync("faces-mask-mixed-720p-10fps.mp4", "a-before.mp4", 640, 360);
        var after = await EncodeAsync("street-720p-10fps.mp4", "a-after.mp4", 320, 180);
        var other = _dir.File("b.mp4");
        File.Copy(before, other);
        var settings = Camera(0, "a", before).Concat(Camera(1, "b", other)).ToDictionary();
        await using var rig = await Rig.StartAsync(_dir.File("data"), settings);
        var bPid = await rig.FfmpegOfAsync(other);
        await Task.Delay(TimeSpan.FromSeconds(4));

        // An alert raised before the change: its clip is cut while the camera is re-pointed.
        var underWay = rig.Recorder.RecordAsync("a", "no_mask", Guid.NewGuid(), TimeProvider.System.GetUtcNow(), CancellationToken.None);
        await Task.Delay(TimeSpan.FromSeconds(1));
        var changed = new Dictionary<string, string?>(settings) { ["Cameras:0:Url"] = after };
        rig.Reload(changed);
        await rig.FfmpegOfAsync(after);

        var oldClip = await underWay.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.NotNull(oldClip);
        Assert.Equal((640, 360), await SizeAsync(oldClip));
        Assert.Empty(FfmpegWith(before));

        // An alert raised after the change: its clip is the new stream's (another picture size), pre-roll included.
        await Task.Delay(TimeSpan.FromSeconds(4));
        var newClip = await rig.Recorder.RecordAsync("a", "no_mask", Guid.NewGuid(), TimeProvider.System.GetUtcNow(), CancellationToken.None)
            .WaitAsync(TimeSpan.FromSeconds(30));
        Assert.NotNull(newClip);
        Assert.Equal((320, 180), await SizeAsync(newClip));
        var seconds = await DurationAsync(newClip);
        output.WriteLine($"clip under way {await DurationAsync(oldClip):F1} s, clip after the change {seconds:F1} s");
        Assert.InRange(seconds, 2.5, 6.0);

        // Camera b's settings did not change: the same ffmpeg child still records it.
        Assert.Equal([bPid], FfmpegWith(other));
        Assert.Contains(bPid, rig.Recorder.ProcessIds);
        Assert.Single(rig.Lines("Camera a recorder restarted by a configuration change (Url)"));
        Assert.Empty(rig.Lines("Camera b recorder"));
        // Only the new ring's runs are left in camera a's folder once the clip under way is written.
        Assert.Single(Directory.GetDirectories(Path.Combine(rig.Segments, "a")));
    }

    [Fact]
    public async Task A_camera_removed_by_a_reload_leaves_no_ffmpeg_child_nor_segments_and_one_whose_record_is_switched_on_gets_clips()
    {
        var first = await EncodeAsync("faces-mask-mixed-720p-10fps.mp4", "a.mp4", 320, 180);
        var second = _dir.File("b.mp4");
        File.Copy(first, second);
        var settings = Camera(0, "a", first).Concat(Camera(1, "b", second)).ToDictionary();
        settings["Cameras:1:Record"] = "false";
        await using var rig = await Rig.StartAsync(_dir.File("data"), settings);
        await rig.FfmpegOfAsync(first);
        Assert.False(rig.Recorder.Records("b"));
        Assert.True(Directory.Exists(Path.Combine(rig.Segments, "a")));

        // Camera a goes; camera b (now Cameras:0) is recorded.
        var next = Camera(0, "b", second).ToDictionary();
        next["Cameras:0:Record"] = "true";
        rig.Reload(next);
        await rig.FfmpegOfAsync(second);

        Assert.True(await VisionHarness.WaitUntilAsync(() => FfmpegWith(first).Count == 0, TimeSpan.FromSeconds(10)), "camera a's ffmpeg child is still running");
        Assert.False(rig.Recorder.Records("a"));
        Assert.True(rig.Recorder.Records("b"));
        Assert.True(await VisionHarness.WaitUntilAsync(() => !Directory.Exists(Path.Combine(rig.Segments, "a")), TimeSpan.FromSeconds(10)), "camera a's segments were left behind");
        Assert.Single(rig.Lines("Camera a recorder stopped by a configuration change"));
        Assert.Single(rig.Lines("Camera b recorder started by a configuration change"));

        await Task.Delay(TimeSpan.FromSeconds(3));
        var clip = await rig.Recorder.RecordAsync("b", "no_mask", Guid.NewGuid(), TimeProvider.System.GetUtcNow(), CancellationToken.None)
            .WaitAsync(TimeSpan.FromSeconds(30));
        Assert.NotNull(clip);
        Assert.Equal((320, 180), await SizeAsync(clip));
    }

    public void Dispose() => _dir.Dispose();

    private static IEnumerable<KeyValuePair<string, string?>> Camera(int index, string id, string url) =>
    [
        new($"Cameras:{index}:Id", id),
        new($"Cameras:{index}:Url", url),
        new($"Cameras:{index}:Role", "kitchen"),
        new($"Cameras:{index}:Loop", "true"),
    ];

    /// <summary>A looped stand-in camera: the shared clip at another size, a keyframe every second so segments are 1 s.</summary>
    private async Task<string> EncodeAsync(string shared, string name, int width, int height)
    {
        var path = _dir.File(name);
        await RunAsync("ffmpeg", "-nostdin", "-v", "error", "-i", RepoPaths.SharedFile("video", shared), "-vf", $"scale={width}:{height}",
            "-c:v", "libx264", "-preset", "ultrafast", "-g", "10", "-pix_fmt", "yuv420p", "-an", "-y", path);
        return path;
    }

    /// <summary>The ffmpeg processes on the machine reading <paramref name="source"/> (each test's files are its own).</summary>
    private static List<int> FfmpegWith(string source)
    {
        var found = new List<int>();
        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(entry), out var pid))
            {
                try
                {
                    var arguments = File.ReadAllText(Path.Combine(entry, "cmdline")).Split('\0');
                    if (arguments.Length > 1 && arguments[0].EndsWith("ffmpeg", StringComparison.Ordinal) && arguments.Contains(source))
                    {
                        found.Add(pid);
                    }
                }
                catch (IOException)
                {
                    // The process ended meanwhile.
                }
            }
        }

        return found;
    }

    private static async Task<(int Width, int Height)> SizeAsync(string path)
    {
        var text = await RunAsync("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height", "-of", "csv=p=0", path);
        var parts = text.Trim().Split(',');
        return (int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture));
    }

    private static async Task<double> DurationAsync(string path)
    {
        var text = await RunAsync("ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", path);
        return double.Parse(text.Trim(), CultureInfo.InvariantCulture);
    }

    private static async Task<string> RunAsync(string program, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        var text = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return process.ExitCode == 0 ? await text : throw new InvalidOperationException($"{program} failed: {await errors}");
    }

    /// <summary>The recorder on <see cref="IOptionsMonitor{VisionOptions}"/> over a reloadable configuration, as the host wires it.</summary>
    private sealed class Rig : IAsyncDisposable
    {
        private readonly ServiceProvider _services;
        private readonly IConfigurationRoot _configuration;
        private readonly ReloadableSettings _settings;
        private readonly StringWriterLoggerProvider _logs;
        private readonly ILoggerFactory _loggers;
        private readonly CancellationTokenSource _stop = new();

        private Rig(string data, IDictionary<string, string?> settings)
        {
            _settings = new ReloadableSettings(settings);
            _configuration = new ConfigurationBuilder().Add(_settings).Build();
            _services = new ServiceCollection().AddOptions<VisionOptions>().Bind(_configuration).Services.BuildServiceProvider();
            _logs = new StringWriterLoggerProvider();
            _loggers = LoggerFactory.Create(b => b.AddProvider(_logs).SetMinimumLevel(LogLevel.Information));
            var folder = new EvidenceFolder(data);
            Segments = Path.Combine(folder.Root, "segments");
            var evidence = new EvidenceOptions { PreRoll = TimeSpan.FromSeconds(2), PostRoll = TimeSpan.FromSeconds(2), MaxClip = TimeSpan.FromSeconds(6), SegmentSeconds = 1 };
            Recorder = new ClipRecorder(_services.GetRequiredService<IOptionsMonitor<VisionOptions>>(), evidence, folder, TimeProvider.System, _loggers.CreateLogger<ClipRecorder>());
        }

        public ClipRecorder Recorder { get; }

        public string Segments { get; }

        public static async Task<Rig> StartAsync(string data, IDictionary<string, string?> settings)
        {
            var rig = new Rig(data, settings);
            await rig.Recorder.StartAsync(rig._stop.Token);
            return rig;
        }

        public void Reload(IDictionary<string, string?> settings)
        {
            _settings.Replace(settings);
            _configuration.Reload();
        }

        public IReadOnlyList<string> Lines(string text) => [.. _logs.Lines.Where(l => l.Contains(text, StringComparison.Ordinal))];

        /// <summary>The one ffmpeg child of the recorder reading <paramref name="source"/>, once it runs.</summary>
        public async Task<int> FfmpegOfAsync(string source)
        {
            var pid = 0;
            Assert.True(
                await VisionHarness.WaitUntilAsync(() => FfmpegWith(source) is [var one] && Recorder.ProcessIds.Contains(pid = one), TimeSpan.FromSeconds(15)),
                $"no recorder ffmpeg reads {source}");
            return pid;
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await Recorder.StopAsync(CancellationToken.None);
            Recorder.Dispose();
            await _services.DisposeAsync();
            _loggers.Dispose();
            _stop.Dispose();
        }
    }
}
