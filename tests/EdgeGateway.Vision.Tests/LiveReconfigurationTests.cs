using System.Diagnostics;
using EdgeGateway.Core.Alerts;
using EdgeGateway.Testing;
using EdgeGateway.Vision.Sources;
using Xunit.Abstractions;

namespace EdgeGateway.Vision.Tests;

/// <summary>
/// The real pipeline on real clips, reconfigured while it runs the way the host does it (the configuration's
/// data changes and it reloads): only the changed camera restarts, and no violation is raised twice or lost.
/// </summary>
[Trait("Category", "Integration")]
[Collection(RealtimePipelines.Name)]
public sealed class LiveReconfigurationTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new("edgegw-livereconf-");

    [Fact]
    public async Task Changing_one_cameras_rule_restarts_that_camera_only_and_its_raised_violation_is_neither_raised_again_nor_lost()
    {
        // One minute of the faces clip, played once: a restart of that camera would open the file a second time.
        var minute = _dir.File("faces-60s.mp4");
        using (var ffmpeg = Process.Start(new ProcessStartInfo(
            "ffmpeg", ["-loglevel", "error", "-stream_loop", "5", "-i", RepoPaths.SharedFile("video", "faces-mask-mixed-720p-10fps.mp4"), "-c", "copy", minute])
            { UseShellExecute = false, RedirectStandardError = true })!)
        {
            await ffmpeg.WaitForExitAsync();
            Assert.Equal(0, ffmpeg.ExitCode);
        }

        var settings = Settings(clearSeconds: "3", hits: "5");
        settings["Cameras:1:Id"] = "kitchen-1";
        settings["Cameras:1:Url"] = minute;
        settings["Cameras:1:Model"] = "face-mask-retina";
        settings["Cameras:1:AnalysisFps"] = "5";
        await using var vision = VisionHarness.Create(settings);
        await vision.StartAsync();
        var kitchen = vision.Pipeline.Stats["kitchen-1"];

        Assert.True(await VisionHarness.WaitUntilAsync(() => CarDrafts(vision).Count == 1, TimeSpan.FromSeconds(30)), "ebike_in_car was never raised");
        // The same measure over a few seconds with no change, to compare with.
        TimeSpan before;
        using (var still = new AnalysisGaps(kitchen))
        {
            await Task.Delay(TimeSpan.FromSeconds(4));
            before = still.Stop();
        }

        using var gaps = new AnalysisGaps(kitchen);
        using var page = new PageReads(vision);
        var car = vision.Pipeline.Stats["car-1"];
        var analysedBefore = car.FramesAnalysed;

        // The rule changes (new timings): car-1 restarts and sees the same bicycle with a fresh evaluator.
        vision.Reload(Settings(clearSeconds: "4", hits: "6", extra: settings));
        Assert.True(await VisionHarness.WaitUntilAsync(() => Lines(vision, "car-1: restarted").Count == 1, TimeSpan.FromSeconds(10)), "car-1 was not restarted");
        var restartedAt = Stopwatch.GetTimestamp();
        Assert.True(await VisionHarness.WaitUntilAsync(() => Stopwatch.GetElapsedTime(restartedAt) > TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(6)));
        var analysedByNewWorker = car.FramesAnalysed - analysedBefore;

        // Its stream changes to one without a bicycle: the handed-over violation clears, once.
        var noBicycle = Settings(clearSeconds: "4", hits: "6", extra: settings);
        noBicycle["Cameras:0:Url"] = RepoPaths.SharedFile("video", "faces-mask-mixed-720p-10fps.mp4");
        vision.Reload(noBicycle);
        Assert.True(await VisionHarness.WaitUntilAsync(() => CarDrafts(vision).Count >= 2, TimeSpan.FromSeconds(20)), "ebike_in_car never cleared");
        await Task.Delay(TimeSpan.FromSeconds(2));
        var longestGap = gaps.Stop();
        var (pictures, pageErrors) = page.Stop();
        await vision.StopAsync();

        foreach (var line in vision.Logs.Lines.Where(l => l.Contains("configuration change", StringComparison.Ordinal)))
        {
            output.WriteLine(line);
        }

        output.WriteLine($"kitchen-1: longest gap between analysed frames across both changes {longestGap.TotalMilliseconds:F0} ms over {gaps.Samples} analysed frames; {before.TotalMilliseconds:F0} ms in 4 s before them");
        Assert.Equal([AlertState.Raised, AlertState.Cleared], CarDrafts(vision).Select(d => d.State));
        // The page kept reading car-1's picture while its worker was replaced twice.
        Assert.Empty(pageErrors);
        Assert.True(pictures > 10, $"the page got only {pictures} pictures of car-1");
        // The page's counters of the restarted camera go on from where they were.
        Assert.Same(car, vision.Pipeline.Stats["car-1"]);
        Assert.True(analysedByNewWorker > 10, $"car-1 analysed only {analysedByNewWorker} frames, too few for the new rule to have seen the bicycle");
        Assert.Equal(2, Lines(vision, "car-1: restarted").Count);
        Assert.Empty(Lines(vision, "kitchen-1: restarted"));
        Assert.Single(Lines(vision, "Camera kitchen-1: opened"));
        Assert.True(gaps.Samples > 20, $"kitchen-1 analysed only {gaps.Samples} frames across the changes");
        // At 5 fps a frame is analysed every 0.2 s; a loaded 2-core machine stretches that, a stopped camera much more.
        Assert.True(longestGap < TimeSpan.FromSeconds(3), $"kitchen-1 went {longestGap.TotalSeconds:F1} s without an analysed frame");
    }

    [Fact]
    public async Task Removing_a_camera_clears_its_raised_violation_once_and_a_camera_that_cannot_start_takes_no_other_down()
    {
        var settings = Settings(clearSeconds: "3", hits: "5");
        settings["Cameras:1:Id"] = "kitchen-1";
        settings["Cameras:1:Url"] = RepoPaths.SharedFile("video", "faces-mask-mixed-720p-10fps.mp4");
        settings["Cameras:1:Model"] = "face-mask-retina";
        settings["Cameras:1:Loop"] = "true";
        settings["Cameras:1:AnalysisFps"] = "5";
        await using var vision = VisionHarness.Create(settings);
        await vision.StartAsync();
        var kitchen = vision.Pipeline.Stats["kitchen-1"];
        Assert.True(await VisionHarness.WaitUntilAsync(() => CarDrafts(vision).Count == 1, TimeSpan.FromSeconds(30)), "ebike_in_car was never raised");

        var missing = _dir.File("no-such-clip.mp4");
        vision.Reload(new Dictionary<string, string?>
        {
            ["Cameras:0:Id"] = "kitchen-1",
            ["Cameras:0:Url"] = settings["Cameras:1:Url"],
            ["Cameras:0:Model"] = "face-mask-retina",
            ["Cameras:0:Loop"] = "true",
            ["Cameras:0:AnalysisFps"] = "5",
            ["Cameras:1:Id"] = "lobby",
            ["Cameras:1:Url"] = missing,
        });
        Assert.True(await VisionHarness.WaitUntilAsync(() => CarDrafts(vision).Count >= 2, TimeSpan.FromSeconds(10)), "the removed camera's violation never cleared");
        Assert.True(await VisionHarness.WaitUntilAsync(
            () => vision.Pipeline.GetHealth().Any(h => h.CameraId == "lobby" && h.LastError is not null), TimeSpan.FromSeconds(20)), "the missing file never showed as lobby's error");
        var analysed = kitchen.FramesAnalysed;
        Assert.True(await VisionHarness.WaitUntilAsync(() => kitchen.FramesAnalysed > analysed + 10, TimeSpan.FromSeconds(10)), "kitchen-1 stopped analysing");
        await Task.Delay(TimeSpan.FromSeconds(1));
        await vision.StopAsync();

        var health = vision.Pipeline.GetHealth();
        output.WriteLine(string.Join(Environment.NewLine, health.Select(h => $"{h.CameraId}: analysed={h.FramesAnalysed} error={h.LastError}")));
        Assert.Equal([AlertState.Raised, AlertState.Cleared], CarDrafts(vision).Select(d => d.State));
        Assert.Single(Lines(vision, "Camera car-1: ebike_in_car clears its 1 raised violation(s) once: camera removed"));
        Assert.Equal(["kitchen-1", "lobby"], health.Select(h => h.CameraId));
        Assert.Contains("no-such-clip.mp4", health[1].LastError, StringComparison.Ordinal);
        Assert.Null(health[0].LastError);
        Assert.Empty(Lines(vision, "kitchen-1: restarted"));
    }

    [Fact]
    public async Task A_change_of_the_shared_vision_settings_restarts_the_camera_and_keeps_its_raised_violation()
    {
        var settings = Settings(clearSeconds: "3", hits: "5");
        await using var vision = VisionHarness.Create(settings);
        await vision.StartAsync();
        Assert.True(await VisionHarness.WaitUntilAsync(() => CarDrafts(vision).Count == 1, TimeSpan.FromSeconds(30)), "ebike_in_car was never raised");

        vision.Reload(new Dictionary<string, string?>(settings) { ["Vision:SnapshotMaxWidth"] = "480" });
        Assert.True(await VisionHarness.WaitUntilAsync(() => Lines(vision, "car-1: restarted").Count == 1, TimeSpan.FromSeconds(10)), "car-1 was not restarted");
        // The bicycle stays in view long enough for a fresh rule to raise it (5 hits at 5 fps).
        await Task.Delay(TimeSpan.FromSeconds(4));
        await vision.StopAsync();

        Assert.Single(Lines(vision, "car-1: restarted with new settings by a configuration change (Vision changed)"));
        Assert.Equal([AlertState.Raised], CarDrafts(vision).Select(d => d.State));
    }

    [Fact]
    public async Task A_camera_whose_new_model_does_not_load_keeps_its_old_settings_and_shows_the_error_until_a_rollback()
    {
        var settings = Settings(clearSeconds: "3", hits: "5");
        await using var vision = VisionHarness.Create(settings);
        await vision.StartAsync();
        var car = vision.Pipeline.Stats["car-1"];
        Assert.True(await VisionHarness.WaitUntilAsync(() => car.FramesAnalysed > 5, TimeSpan.FromSeconds(20)), "car-1 never analysed a frame");

        var broken = new Dictionary<string, string?>(settings) { ["Cameras:0:Model"] = "no-such-model" };
        vision.Reload(broken);
        Assert.True(await VisionHarness.WaitUntilAsync(
            () => vision.Pipeline.GetHealth().Single().LastError?.Contains("no-such-model", StringComparison.Ordinal) == true, TimeSpan.FromSeconds(10)),
            "the model that did not load never showed as car-1's error");
        var analysed = car.FramesAnalysed;
        Assert.True(await VisionHarness.WaitUntilAsync(() => car.FramesAnalysed > analysed + 5, TimeSpan.FromSeconds(10)), "car-1 stopped analysing");
        var error = vision.Pipeline.GetHealth().Single().LastError;

        // The rollback brings back the settings it runs with: nothing restarts and the error goes.
        vision.Reload(settings);
        Assert.True(await VisionHarness.WaitUntilAsync(() => vision.Pipeline.GetHealth().Single().LastError is null, TimeSpan.FromSeconds(10)), "the error stayed after the rollback");
        await vision.StopAsync();

        output.WriteLine(error);
        Assert.StartsWith("Cameras 'car-1': settings not applied: ", error, StringComparison.Ordinal);
        Assert.Empty(Lines(vision, "car-1: restarted"));
        Assert.Single(Lines(vision, "Camera car-1: new settings not applied"));
    }

    /// <summary>car-1 plays the street clip (a bicycle throughout) in a loop, with one ebike_in_car rule.</summary>
    private static Dictionary<string, string?> Settings(string clearSeconds, string hits, IDictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>(extra ?? new Dictionary<string, string?>())
        {
            ["Cameras:0:Id"] = "car-1",
            ["Cameras:0:Url"] = RepoPaths.SharedFile("video", "street-720p-10fps.mp4"),
            ["Cameras:0:Role"] = "car",
            ["Cameras:0:Loop"] = "true",
            ["Cameras:0:AnalysisFps"] = "5",
            ["Cameras:0:RecheckSeconds"] = "1",
            ["Cameras:0:Rules:0:Kind"] = "ebike_in_car",
            ["Cameras:0:Rules:0:Labels:0"] = "bicycle",
            ["Cameras:0:Rules:0:Labels:1"] = "motorcycle",
            ["Cameras:0:Rules:0:Hits"] = hits,
            ["Cameras:0:Rules:0:WindowSeconds"] = "5",
            ["Cameras:0:Rules:0:ClearSeconds"] = clearSeconds,
            ["Cameras:0:Rules:0:PerObject"] = "false",
        };
        return settings;
    }

    private static List<AlertDraft> CarDrafts(VisionHarness vision) =>
        [.. vision.Sink.Drafts.Select(d => d.Draft).Where(d => d.Kind == AlertKinds.EbikeInCar && d.Attributes!["camera"] == "car-1")];

    private static List<string> Lines(VisionHarness vision, string text) =>
        [.. vision.Logs.Lines.Where(l => l.Contains(text, StringComparison.Ordinal))];

    public void Dispose() => _dir.Dispose();

    /// <summary>Reads what the diagnostics page reads (health, car-1's picture and detections) in a loop from a thread of its own.</summary>
    private sealed class PageReads : IDisposable
    {
        private readonly VisionHarness _vision;
        private readonly Thread _thread;
        private readonly List<string> _errors = [];
        private volatile bool _stop;
        private int _pictures;

        public PageReads(VisionHarness vision)
        {
            _vision = vision;
            _thread = new Thread(Read) { IsBackground = true };
            _thread.Start();
        }

        public (int Pictures, IReadOnlyList<string> Errors) Stop()
        {
            _stop = true;
            _thread.Join();
            return (_pictures, _errors);
        }

        public void Dispose()
        {
            if (!_stop)
            {
                Stop();
            }
        }

        private void Read()
        {
            while (!_stop)
            {
                try
                {
                    _ = _vision.Pipeline.GetHealth();
                    _ = _vision.Pipeline.LatestDetections("car-1");
                    if (_vision.Pipeline.TryGetLatestAnnotatedJpeg("car-1", out var jpeg) && jpeg.Length > 0)
                    {
                        _pictures++;
                    }
                }
                catch (Exception e)
                {
                    _errors.Add(e.ToString());
                }

                Thread.Sleep(100);
            }
        }
    }

    /// <summary>Watches one camera's analysed-frame counter from a thread of its own and keeps the longest time it stood still.</summary>
    private sealed class AnalysisGaps : IDisposable
    {
        private readonly CameraStats _stats;
        private readonly Thread _thread;
        private volatile bool _stop;
        private TimeSpan _longest;

        public AnalysisGaps(CameraStats stats)
        {
            _stats = stats;
            _thread = new Thread(Watch) { IsBackground = true };
            _thread.Start();
        }

        public long Samples { get; private set; }

        public TimeSpan Stop()
        {
            _stop = true;
            _thread.Join();
            return _longest;
        }

        public void Dispose()
        {
            if (!_stop)
            {
                Stop();
            }
        }

        private void Watch()
        {
            var first = _stats.FramesAnalysed;
            var count = first;
            var since = Stopwatch.GetTimestamp();
            while (!_stop)
            {
                Thread.Sleep(10);
                var now = _stats.FramesAnalysed;
                if (now != count)
                {
                    var gap = Stopwatch.GetElapsedTime(since);
                    _longest = gap > _longest ? gap : _longest;
                    count = now;
                    since = Stopwatch.GetTimestamp();
                }
            }

            var tail = Stopwatch.GetElapsedTime(since);
            _longest = tail > _longest ? tail : _longest;
            Samples = count - first;
        }
    }
}
