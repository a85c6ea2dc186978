using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;
using EdgeGateway.Core.Vision;
using EdgeGateway.Vision.Detectors;
using EdgeGateway.Vision.Motion;
using EdgeGateway.Vision.Pipeline;
using EdgeGateway.Vision.Rules;
using EdgeGateway.Vision.Sources;
using OpenCvSharp;
using EdgeGateway.Vision.Configuration;

namespace EdgeGateway.Vision.Benchmarks;

/// <summary>What <c>edgegw bench vision</c> measured.</summary>
public sealed record VisionBenchmarkResult(
    string Model,
    int Threads,
    double ModelFps,
    double PipelineFps,
    double PreprocessMsP50,
    double PreprocessMsP99,
    long AllocBytesPerFrame,
    double PeakRssMb,
    long PipelineFrames,
    int IntroDetectorRuns,
    double RecheckSeconds)
{
    public double Ratio => ModelFps <= 0 ? 0 : PipelineFps / ModelFps;

    /// <summary>The one JSON line the command prints.</summary>
    public string ToJsonLine()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("model", Model);
            json.WriteNumber("threads", Threads);
            json.WriteNumber("model_fps", Math.Round(ModelFps, 2));
            json.WriteNumber("pipeline_fps", Math.Round(PipelineFps, 2));
            json.WriteNumber("ratio", Math.Round(Ratio, 3));
            json.WriteNumber("preprocess_ms_p50", Math.Round(PreprocessMsP50, 3));
            json.WriteNumber("preprocess_ms_p99", Math.Round(PreprocessMsP99, 3));
            json.WriteNumber("alloc_bytes_per_frame", AllocBytesPerFrame);
            json.WriteNumber("peak_rss_mb", Math.Round(PeakRssMb, 1));
            json.WriteNumber("pipeline_frames", PipelineFrames);
            json.WriteNumber("intro_detector_runs", IntroDetectorRuns);
            json.WriteNumber("recheck_seconds", RecheckSeconds);
            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}

/// <summary>
/// Measures one model on one clip: model-only (pre-decoded frames, preprocess + run + decode) and
/// the full pipeline (decode on its own thread, as cameras do, + preprocess + run + decode + rules),
/// both at the same thread count and with every frame analysed.
/// </summary>
public static class VisionBenchmark
{
    private const int WarmUpFrames = 10;
    private const int PreDecodedFrames = 30;

    public static VisionBenchmarkResult Run(ObjectDetector detector, string clip, TimeSpan duration, int threads, double recheckSeconds = 5)
    {
        ArgumentNullException.ThrowIfNull(detector);

        // Alternate short rounds of both measurements, so a change in the machine's load touches both alike.
        var round = duration / Rounds;
        var preprocess = new List<double>(4096);
        double pipelineFrames = 0, pipelineSeconds = 0, modelRuns = 0, modelSeconds = 0, allocated = 0;
        var peakRss = 0.0;
        DecodedFrames? decoded = null;
        try
        {
            for (var i = 0; i < Rounds; i++)
            {
                var pipeline = MeasurePipeline(detector, clip, round);
                pipelineFrames += pipeline.Frames;
                pipelineSeconds += pipeline.Seconds;
                allocated += pipeline.Allocated;

                // The pipeline's peak, read before the model-only frames are decoded into memory.
                peakRss = i == 0 ? PeakRssMb() : peakRss;
                decoded ??= new DecodedFrames(clip);
                var model = MeasureModel(detector, decoded.Frames, round, preprocess);
                modelRuns += model.Runs;
                modelSeconds += model.Seconds;
            }
        }
        finally
        {
            decoded?.Dispose();
        }

        preprocess.Sort();
        var introRuns = CountIntroRuns(clip, recheckSeconds);
        return new VisionBenchmarkResult(
            detector.Name,
            threads,
            modelRuns / modelSeconds,
            pipelineFrames / pipelineSeconds,
            Percentile(preprocess, 0.50),
            Percentile(preprocess, 0.99),
            pipelineFrames > 0 ? (long)(allocated / pipelineFrames) : 0,
            peakRss,
            (long)pipelineFrames,
            introRuns,
            recheckSeconds);
    }

    private const int Rounds = 4;

    private static (long Frames, double Seconds, long Allocated) MeasurePipeline(ObjectDetector detector, string clip, TimeSpan duration)
    {
        using var pool = new MatPool();
        var frames = Channel.CreateBounded<Mat>(new BoundedChannelOptions(2) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true, SingleWriter = true });
        using var stop = new CancellationTokenSource();
        var decoder = new DecoderAllocations();
        var reader = new Thread(() => Decode(clip, frames.Writer, pool, decoder, stop.Token)) { IsBackground = true, Name = "bench-decode" };
        reader.Start();

        var rule = new RuleEvaluator("bench", new RuleOptions { Kind = "bench", Labels = [.. detector.Labels.Take(4)], Hits = 3, WindowSeconds = 2 }, [], detector.DefaultScoreThreshold, TimeZoneInfo.Utc);
        var detections = new List<Detection>();
        var events = new List<ViolationEvent>();
        long analysed = 0;
        long startTimestamp = 0;
        long startAllocated = 0;
        var now = DateTimeOffset.UnixEpoch;
        var stopwatch = Stopwatch.StartNew();
        while (true)
        {
            if (!frames.Reader.TryRead(out var frame))
            {
                if (!frames.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
                {
                    break;
                }

                continue;
            }

            detector.Detect(frame, detections);
            now = now.AddMilliseconds(100);
            rule.Observe(now, detections, frame.Cols, frame.Rows, events);
            events.Clear();
            pool.Return(frame);
            analysed++;
            if (analysed == WarmUpFrames)
            {
                startTimestamp = Stopwatch.GetTimestamp();
                // Per thread (this one and the decoder), so other work in the process does not count.
                startAllocated = GC.GetAllocatedBytesForCurrentThread();
                decoder.Mark();
            }

            if (stopwatch.Elapsed >= duration && analysed > WarmUpFrames * 2)
            {
                break;
            }
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - startAllocated;
        var elapsed = Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds;
        stop.Cancel();
        while (frames.Reader.TryRead(out var left))
        {
            pool.Return(left);
        }

        reader.Join(TimeSpan.FromSeconds(5));
        allocated += decoder.SinceMark;
        return (analysed - WarmUpFrames, elapsed, allocated);
    }

    /// <summary>The decoder thread's own managed allocations, from a mark set by the measuring thread.</summary>
    private sealed class DecoderAllocations
    {
        private long _now;
        private long _mark = -1;

        public long SinceMark => _mark < 0 ? 0 : Volatile.Read(ref _now) - _mark;

        public void Mark() => Interlocked.Exchange(ref _mark, Volatile.Read(ref _now));

        public void Update() => Volatile.Write(ref _now, GC.GetAllocatedBytesForCurrentThread());
    }

    private static void Decode(string clip, ChannelWriter<Mat> frames, MatPool pool, DecoderAllocations allocations, CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                using var source = OpenCvFileSource.TryOpen(clip, out var error) ?? throw new InvalidOperationException(error);
                while (!cancellationToken.IsCancellationRequested && source.Next())
                {
                    var frame = pool.Rent();
                    source.Retrieve(frame);
                    if (!frames.WaitToWriteAsync(cancellationToken).AsTask().GetAwaiter().GetResult() || !frames.TryWrite(frame))
                    {
                        pool.Return(frame);
                    }

                    allocations.Update();
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            frames.TryComplete();
        }
    }

    private static (long Runs, double Seconds) MeasureModel(ObjectDetector detector, List<Mat> decoded, TimeSpan duration, List<double> preprocess)
    {
        var detections = new List<Detection>();
        for (var i = 0; i < WarmUpFrames; i++)
        {
            detector.Detect(decoded[i % decoded.Count], detections);
        }

        long runs = 0;
        var stopwatch = Stopwatch.StartNew();
        while (stopwatch.Elapsed < duration)
        {
            detector.Detect(decoded[(int)(runs % decoded.Count)], detections);
            preprocess.Add(detector.LastPreprocessTicks * 1000.0 / Stopwatch.Frequency);
            runs++;
        }

        return (runs, stopwatch.Elapsed.TotalSeconds);
    }

    /// <summary>Every third frame of the clip (spanning the still intro and the zoom), decoded up front.</summary>
    private sealed class DecodedFrames : IDisposable
    {
        public DecodedFrames(string clip)
        {
            using var source = OpenCvFileSource.TryOpen(clip, out var error) ?? throw new InvalidOperationException(error);
            for (var i = 0; Frames.Count < PreDecodedFrames && source.Next(); i++)
            {
                if (i % 3 == 0)
                {
                    var frame = new Mat();
                    source.Retrieve(frame);
                    Frames.Add(frame);
                }
            }
        }

        public List<Mat> Frames { get; } = [];

        public void Dispose()
        {
            foreach (var frame in Frames)
            {
                frame.Dispose();
            }
        }
    }

    /// <summary>How often the detector would run in the clip's 4 s still intro at 5 analysed frames per second.</summary>
    private static int CountIntroRuns(string clip, double recheckSeconds)
    {
        using var source = OpenCvFileSource.TryOpen(clip, out var error) ?? throw new InvalidOperationException(error);
        using var frame = new Mat();
        using var motion = new MotionGate(0.002, 25);
        var gate = new DetectionGate(motion, TimeSpan.FromSeconds(recheckSeconds));
        var fps = source.Fps is > 0 and < 1000 ? source.Fps : 10;
        var step = Math.Max(1, (int)Math.Round(fps / 5));
        var runs = 0;
        for (var index = 0; index < 4 * fps && source.Next(); index++)
        {
            if (index % step == 0 && source.Retrieve(frame) && gate.ShouldDetect(frame, DateTimeOffset.UnixEpoch.AddSeconds(index / fps)))
            {
                runs++;
            }
        }

        return runs;
    }

    private static double Percentile(List<double> sorted, double quantile) =>
        sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)Math.Floor(quantile * sorted.Count))];

    private static double PeakRssMb()
    {
        try
        {
            var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            var kb = line?.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
            return kb is null ? 0 : double.Parse(kb, CultureInfo.InvariantCulture) / 1024;
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
