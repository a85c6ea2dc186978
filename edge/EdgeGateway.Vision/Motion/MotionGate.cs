using OpenCvSharp;

namespace EdgeGateway.Vision.Motion;

/// <summary>
/// A cheap frame difference on a small grey copy of the frame (160 px wide): says whether enough
/// pixels changed since the previous frame to be worth running the detector. Buffers are reused.
/// </summary>
public sealed class MotionGate(double changedFraction, int pixelDelta) : IDisposable
{
    private const int Width = 160;
    private readonly Mat _small = new();
    private readonly Mat _grey = new();
    private readonly Mat _previous = new();
    private readonly Mat _difference = new();
    private bool _hasPrevious;

    /// <summary>The fraction of pixels that changed in the last <see cref="Update"/>.</summary>
    public double LastChangedFraction { get; private set; }

    /// <summary>Compares the frame with the previous one and remembers it; true when it moved (or is the first).</summary>
    public bool Update(Mat bgr)
    {
        ArgumentNullException.ThrowIfNull(bgr);
        var height = Math.Max(1, bgr.Rows * Width / Math.Max(1, bgr.Cols));
        Cv2.Resize(bgr, _small, new Size(Width, height), 0, 0, InterpolationFlags.Area);
        Cv2.CvtColor(_small, _grey, ColorConversionCodes.BGR2GRAY);
        if (!_hasPrevious || _previous.Size() != _grey.Size())
        {
            _grey.CopyTo(_previous);
            _hasPrevious = true;
            LastChangedFraction = 1;
            return true;
        }

        Cv2.Absdiff(_grey, _previous, _difference);
        Cv2.Threshold(_difference, _difference, pixelDelta, 255, ThresholdTypes.Binary);
        LastChangedFraction = (double)Cv2.CountNonZero(_difference) / (_difference.Rows * _difference.Cols);
        _grey.CopyTo(_previous);
        return LastChangedFraction > changedFraction;
    }

    public void Dispose()
    {
        _small.Dispose();
        _grey.Dispose();
        _previous.Dispose();
        _difference.Dispose();
    }
}
