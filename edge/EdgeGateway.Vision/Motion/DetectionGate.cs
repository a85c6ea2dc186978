using OpenCvSharp;

namespace EdgeGateway.Vision.Motion;

/// <summary>
/// Decides per analysed frame whether the detector runs: when the scene moved, or when the
/// re-check interval has passed on a still scene (so a stationary violation is confirmed, not
/// forgotten). Between runs, the previous detections stand for the unchanged picture.
/// </summary>
public sealed class DetectionGate(MotionGate motion, TimeSpan recheckInterval)
{
    private DateTimeOffset? _lastRun;

    public bool ShouldDetect(Mat frame, DateTimeOffset now)
    {
        var moved = motion.Update(frame);
        if (moved || _lastRun is not { } last || now - last >= recheckInterval)
        {
            _lastRun = now;
            return true;
        }

        return false;
    }
}
