using System.Text.Json;
using EdgeGateway.Testing;
using EdgeGateway.Vision.Benchmarks;

namespace EdgeGateway.Vision.Tests;

/// <summary>The benchmark's line and its non-timing targets (allocations, motion gating); speed is reported, not asserted.</summary>
[Trait("Category", "Integration")]
public sealed class VisionBenchmarkTests
{
    [Fact]
    public void Bench_line_has_every_key_and_meets_the_allocation_and_gating_targets()
    {
        var result = VisionBenchmark.Run(TestModels.YoloxDetector, RepoPaths.SharedFile("video", "street-720p-10fps.mp4"), TimeSpan.FromSeconds(2), threads: 2);

        using var line = JsonDocument.Parse(result.ToJsonLine());
        var keys = line.RootElement.EnumerateObject().Select(p => p.Name).ToHashSet();
        Assert.Superset(new HashSet<string> { "model_fps", "pipeline_fps", "ratio", "preprocess_ms_p50", "preprocess_ms_p99", "alloc_bytes_per_frame", "peak_rss_mb" }, keys);
        Assert.True(result.ModelFps > 0 && result.PipelineFps > 0);
        Assert.InRange(result.AllocBytesPerFrame, 1, 64 * 1024);
        Assert.Equal(1, result.IntroDetectorRuns);
        Assert.True(result.PeakRssMb > 50);
    }
}
