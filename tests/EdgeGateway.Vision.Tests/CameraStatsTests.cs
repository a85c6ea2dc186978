using EdgeGateway.Vision.Pipeline;
using Microsoft.Extensions.Time.Testing;
using EdgeGateway.Vision.Sources;

namespace EdgeGateway.Vision.Tests;

[Trait("Category", "Unit")]
public sealed class CameraStatsTests
{
    [Fact]
    public void A_stall_counts_from_the_reconnect_and_the_next_frame_clears_it()
    {
        var time = new FakeTimeProvider();
        var stats = new CameraStats("cam", "kitchen", time);
        stats.FrameIn();
        time.Advance(TimeSpan.FromSeconds(30));

        stats.Opened();
        time.Advance(TimeSpan.FromSeconds(4));

        Assert.Equal(4, stats.SecondsWithoutFrames);
        Assert.Equal(34, stats.LastFrameAgeSeconds);

        stats.Stalled("no frames for 12 s");
        Assert.Equal("no frames for 12 s", stats.ToHealth().LastError);

        stats.FrameIn();

        var health = stats.ToHealth();
        Assert.Null(health.LastError);
        Assert.Equal(0, health.LastFrameAgeSeconds);
        Assert.Equal(2, health.FramesIn);
    }

    [Fact]
    public void A_source_failure_is_not_cleared_by_a_stray_frame()
    {
        var stats = new CameraStats("cam", "car", new FakeTimeProvider());
        stats.Failed("cannot connect to 10.0.0.5:554 (connection refused)");

        stats.FrameIn();

        Assert.Equal("cannot connect to 10.0.0.5:554 (connection refused)", stats.LastError);
        Assert.False(stats.Connected);
    }

    [Fact]
    public void The_detectors_time_per_run_and_the_lag_of_the_last_frame_are_kept()
    {
        var time = new FakeTimeProvider();
        var stats = new CameraStats("cam", "kitchen", time);
        for (var i = 0; i < 4; i++)
        {
            stats.FrameIn();
            var readAt = stats.LastFrameTimestamp;
            time.Advance(TimeSpan.FromMilliseconds(10));
            var started = time.GetTimestamp();
            time.Advance(TimeSpan.FromMilliseconds(30));
            stats.FrameAnalysed(detectorRan: true, readAt, started);
        }

        // A still frame: no detector run, no detector time.
        stats.FrameIn();
        var stillAt = stats.LastFrameTimestamp;
        time.Advance(TimeSpan.FromMilliseconds(5));
        stats.FrameAnalysed(detectorRan: false, stillAt);

        var health = stats.ToHealth();
        Assert.Equal(4, health.DetectorRuns);
        Assert.Equal(0.12, health.DetectorSeconds, 6);
        Assert.Equal(0.005, health.LagSeconds!.Value, 6);
        Assert.Equal(5, health.FramesAnalysed);
    }
}
