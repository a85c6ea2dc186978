using EdgeGateway.Testing;
using EdgeGateway.Vision.Motion;
using OpenCvSharp;

namespace EdgeGateway.Vision.Tests;

/// <summary>The motion gate on the real clip: 4 s still intro, then a slow zoom.</summary>
[Trait("Category", "Integration")]
public sealed class MotionGateTests
{
    [Theory]
    [InlineData("street-720p-10fps.mp4")]
    [InlineData("faces-mask-mixed-720p-10fps.mp4")]
    public void On_the_still_intro_the_detector_runs_at_most_once_per_recheck_interval_and_on_the_zoom_it_follows_the_motion(string clip)
    {
        using var capture = new VideoCapture(RepoPaths.SharedFile("video", clip), VideoCaptureAPIs.FFMPEG);
        using var frame = new Mat();
        using var motion = new MotionGate(0.002, 25);
        var recheck = TimeSpan.FromSeconds(2);
        var gate = new DetectionGate(motion, recheck);
        var start = DateTimeOffset.UnixEpoch;
        var introRuns = 0;
        var zoomRuns = 0;
        var zoomFrames = 0;
        // Analyse 5 of the clip's 10 frames per second, timed by the clip.
        for (var index = 0; capture.Read(frame); index++)
        {
            if (index % 2 != 0)
            {
                continue;
            }

            var runs = gate.ShouldDetect(frame, start.AddSeconds(index / 10.0));
            if (index < 40)
            {
                introRuns += runs ? 1 : 0;
            }
            else
            {
                zoomFrames++;
                zoomRuns += runs ? 1 : 0;
            }
        }

        // 20 analysed frames over 4 s: the first frame, then one re-check at 2 s.
        Assert.Equal(2, introRuns);
        Assert.True(zoomRuns >= zoomFrames * 0.8, $"the zoom moved but the detector ran on only {zoomRuns} of {zoomFrames} frames");
    }
}
