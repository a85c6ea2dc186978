using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using EdgeGateway.Host.Gateway;
using EdgeGateway.Vision.Pipeline;
using EdgeGateway.Vision.Recording;

namespace EdgeGateway.Host.Commands;

/// <summary>
/// <c>edgegw bench cameras</c>: how many cameras this machine holds. N cameras, each fed in real time from its own
/// ffmpeg reading of the clip (looped), run through the real gateway (detector, rules, outbox, and the recorder when
/// <c>--record on</c>); N grows until analysis frames are dropped. One JSON line for the largest N that held.
/// </summary>
internal static class CameraBenchCommands
{
    public static void Register(Command bench)
    {
        var clip = new Option<string>("--clip") { Description = "Video file each camera streams (its main stream, recorded)", Required = true };
        var detectClip = new Option<string?>("--detect-clip") { Description = "A low-resolution version analysed instead (the DetectUrl layout)" };
        var fps = new Option<double>("--analysis-fps") { Description = "Frames per second analysed per camera", DefaultValueFactory = _ => 5 };
        var record = new Option<string>("--record") { Description = "on or off", DefaultValueFactory = _ => "on" };
        var model = new Option<string>("--model") { Description = "Model name", DefaultValueFactory = _ => "yolox-nano-coco80" };
        var seconds = new Option<int>("--seconds") { Description = "Seconds measured per step (after 5 s of warm-up)", DefaultValueFactory = _ => 15 };
        var max = new Option<int>("--max") { Description = "Most cameras tried", DefaultValueFactory = _ => 8 };
        var command = new Command("cameras", "Largest number of cameras this machine analyses without dropping frames; one JSON line") { clip, detectClip, fps, record, model, seconds, max };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var main = parse.GetValue(clip)!;
            var detect = parse.GetValue(detectClip);
            var recordOn = parse.GetValue(record) switch
            {
                "on" => true,
                "off" => false,
                var other => (bool?)null,
            };
            if (recordOn is null || !File.Exists(main) || (detect is not null && !File.Exists(detect)))
            {
                await Console.Error.WriteLineAsync(recordOn is null
                    ? $"edgegw bench cameras: --record '{parse.GetValue(record)}' is invalid; expected on or off"
                    : $"edgegw bench cameras: clip {(File.Exists(main) ? detect : main)} not found");
                return 2;
            }

            Step? best = null;
            for (var n = 1; n <= Math.Max(1, parse.GetValue(max)); n++)
            {
                var window = TimeSpan.FromSeconds(Math.Max(5, parse.GetValue(seconds)));
                var step = await MeasureAsync(n, main, detect, parse.GetValue(fps), recordOn.Value, parse.GetValue(model)!, window, cancellationToken);
                await Console.Error.WriteLineAsync($"edgegw bench cameras: {n} camera(s): dropped {step.Dropped}, analysed {step.Analysed}/{step.Expected}, cpu {step.PerCameraCpu:0.0}% per camera");
                if (!step.Held)
                {
                    // One more try: on a machine shared with other work a single stray drop is not this N's limit.
                    step = await MeasureAsync(n, main, detect, parse.GetValue(fps), recordOn.Value, parse.GetValue(model)!, window, cancellationToken);
                    await Console.Error.WriteLineAsync($"edgegw bench cameras: {n} camera(s), again: dropped {step.Dropped}, analysed {step.Analysed}/{step.Expected}, cpu {step.PerCameraCpu:0.0}% per camera");
                }

                if (!step.Held)
                {
                    break;
                }

                best = step;
            }

            Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object?>
            {
                ["cameras"] = best?.Cameras ?? 0,
                ["record"] = recordOn.Value ? "on" : "off",
                ["layout"] = detect is null ? "single stream" : "detect substream, record main",
                ["analysis_fps"] = parse.GetValue(fps),
                ["per_camera_cpu_pct"] = Math.Round(best?.PerCameraCpu ?? 0, 1),
                ["recorder_cpu_pct"] = Math.Round(best?.RecorderCpu ?? 0, 2),
                ["analysis_lag_ms_p99"] = Math.Round(best?.LagP99Ms ?? 0),
                ["rss_mb"] = Math.Round(best?.RssMb ?? 0),
            }));
            return best is null ? 1 : 0;
        });
        bench.Subcommands.Add(command);
    }

    private sealed record Step(int Cameras, long Dropped, long Analysed, long Expected, double PerCameraCpu, double RecorderCpu, double LagP99Ms, double RssMb)
    {
        /// <summary>Held: nothing dropped and at least 90% of the frames asked for analysed.</summary>
        public bool Held => Dropped == 0 && Analysed >= Expected * 0.9;
    }

    private static async Task<Step> MeasureAsync(int cameras, string clip, string? detectClip, double fps, bool record, string model, TimeSpan window, CancellationToken cancellationToken)
    {
        var data = Directory.CreateTempSubdirectory("edgegw-bench-cameras-").FullName;
        try
        {
            var settings = new Dictionary<string, string?>
            {
                ["Device:Id"] = "bench",
                ["Device:Site"] = "bench",
                ["Storage:DataDir"] = data,
                // Nothing listens: alerts stay in the outbox, as on a box whose link is down.
                ["Uplink:Broker"] = "mqtt://127.0.0.1:9",
                ["Diagnostics:Url"] = "http://127.0.0.1:0",
                ["Evidence:Enabled"] = record ? "true" : "false",
                ["Logging:LogLevel:Default"] = "Error",
            };
            for (var i = 0; i < cameras; i++)
            {
                settings[$"Cameras:{i}:Id"] = $"cam{i}";
                settings[$"Cameras:{i}:Url"] = Path.GetFullPath(clip);
                settings[$"Cameras:{i}:DetectUrl"] = detectClip is null ? null : Path.GetFullPath(detectClip);
                settings[$"Cameras:{i}:Role"] = "kitchen";
                settings[$"Cameras:{i}:Model"] = model;
                settings[$"Cameras:{i}:Loop"] = "true";
                settings[$"Cameras:{i}:AnalysisFps"] = fps.ToString(CultureInfo.InvariantCulture);
                settings[$"Cameras:{i}:Record"] = record ? "true" : "false";
            }

            await using var app = GatewayApp.Build(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
            await app.StartAsync(cancellationToken);
            var pipeline = app.Services.GetRequiredService<VisionPipeline>();
            var recorder = record ? app.Services.GetService<ClipRecorder>() : null;
            await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken);

            var stats = pipeline.Stats.Values.ToList();
            var dropped0 = stats.Sum(s => s.FramesDropped);
            var analysed0 = stats.Sum(s => s.FramesAnalysed);
            var cpu0 = ProcessCpu.Own() + ProcessCpu.Children();
            var recorderCpu0 = ProcessCpu.Of(recorder?.ProcessIds ?? []);
            var started = Stopwatch.GetTimestamp();
            var ages = new List<double>();
            double rss = 0;
            while (Stopwatch.GetElapsedTime(started) < window)
            {
                await Task.Delay(100, cancellationToken);
                ages.AddRange(stats.Select(s => s.LastAnalysedAgeSeconds ?? 0));
                rss = Math.Max(rss, ProcessCpu.RssMb());
            }

            var wall = Stopwatch.GetElapsedTime(started).TotalSeconds;
            var cpu = (ProcessCpu.Own() + ProcessCpu.Children() - cpu0) / wall * 100;
            var recorderCpu = (ProcessCpu.Of(recorder?.ProcessIds ?? []) - recorderCpu0) / wall * 100;
            ages.Sort();
            var p99 = ages.Count == 0 ? 0 : ages[(int)Math.Min(ages.Count - 1, Math.Ceiling(ages.Count * 0.99) - 1)] * 1000;
            var step = new Step(cameras, stats.Sum(s => s.FramesDropped) - dropped0, stats.Sum(s => s.FramesAnalysed) - analysed0,
                (long)(cameras * fps * wall), cpu / cameras, recorderCpu / cameras, p99, rss);
            await app.StopAsync(CancellationToken.None);
            return step;
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    /// <summary>CPU seconds from <c>/proc</c>: this process, its child processes (ffmpeg readers and recorders), or given ones.</summary>
    private static class ProcessCpu
    {
        private static readonly double Tick = 1.0 / 100;

        public static double Own() => Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;

        public static double Children() => Of(ChildIds());

        public static double Of(IEnumerable<int> pids) => pids.Sum(Seconds);

        public static double RssMb()
        {
            var bytes = Process.GetCurrentProcess().WorkingSet64;
            foreach (var pid in ChildIds())
            {
                var status = Read($"/proc/{pid}/statm")?.Split(' ');
                if (status is { Length: > 1 } && long.TryParse(status[1], CultureInfo.InvariantCulture, out var pages))
                {
                    bytes += pages * Environment.SystemPageSize;
                }
            }

            return bytes / 1024.0 / 1024.0;
        }

        private static IEnumerable<int> ChildIds()
        {
            var own = Environment.ProcessId;
            foreach (var folder in Directory.EnumerateDirectories("/proc"))
            {
                if (int.TryParse(Path.GetFileName(folder), CultureInfo.InvariantCulture, out var pid)
                    && Fields(pid) is { Length: > 2 } fields && fields[1] == own.ToString(CultureInfo.InvariantCulture))
                {
                    yield return pid;
                }
            }
        }

        private static double Seconds(int pid) =>
            Fields(pid) is { Length: > 13 } fields
            && long.TryParse(fields[11], CultureInfo.InvariantCulture, out var user) && long.TryParse(fields[12], CultureInfo.InvariantCulture, out var system)
                ? (user + system) * Tick
                : 0;

        /// <summary>The fields of <c>/proc/{pid}/stat</c> after the command name: state, ppid, ... (utime is [11], stime [12]).</summary>
        private static string[]? Fields(int pid) =>
            Read($"/proc/{pid}/stat") is { } stat && stat.LastIndexOf(')') is var end and > 0
                ? stat[(end + 2)..].Split(' ')
                : null;

        private static string? Read(string path)
        {
            try
            {
                return File.ReadAllText(path);
            }
            catch (IOException)
            {
                return null;
            }
            catch (UnauthorizedAccessException)
            {
                return null;
            }
        }
    }
}
