using EdgeGateway.Core.Vision;
using EdgeGateway.Vision.Rules;
using OpenCvSharp;
using EdgeGateway.Vision.Configuration;

namespace EdgeGateway.Vision.Pipeline;

/// <summary>
/// Draws zones and boxes on a scaled-down copy of a frame and encodes it as JPEG, stepping the
/// quality down until it fits the size budget (about 60 KB at 640 px wide).
/// </summary>
internal sealed class SnapshotRenderer(int maxWidth, int maxBytes) : IDisposable
{
    private static readonly int[] Qualities = [80, 70, 60, 50, 40, 30];
    private static readonly Scalar Violation = new(0, 0, 255);
    private static readonly Scalar Other = new(0, 200, 0);
    private static readonly Scalar ZoneColour = new(0, 220, 255);
    private readonly Mat _canvas = new();

    public byte[] Render(Mat frame, IReadOnlyList<Detection> detections, Func<Detection, bool> isViolation, IReadOnlyList<ZoneOptions> zones)
    {
        var scale = Math.Min(1.0, (double)maxWidth / frame.Cols);
        if (scale < 1)
        {
            Cv2.Resize(frame, _canvas, new Size((int)(frame.Cols * scale), (int)(frame.Rows * scale)), 0, 0, InterpolationFlags.Area);
        }
        else
        {
            frame.CopyTo(_canvas);
        }

        foreach (var zone in zones)
        {
            var points = zone.Points.Select(p => new Point(p[0] * _canvas.Cols, p[1] * _canvas.Rows)).ToArray();
            Cv2.Polylines(_canvas, [points], isClosed: true, ZoneColour, 1, LineTypes.AntiAlias);
        }

        foreach (var detection in detections)
        {
            var colour = isViolation(detection) ? Violation : Other;
            var box = detection.Box.Scale((float)scale);
            var topLeft = new Point(box.X1, box.Y1);
            Cv2.Rectangle(_canvas, topLeft, new Point(box.X2, box.Y2), colour, 2);
            Cv2.PutText(_canvas, $"{detection.Label} {detection.Score:F2}", new Point(box.X1 + 2, Math.Max(12, box.Y1 - 4)),
                HersheyFonts.HersheySimplex, 0.45, colour, 1, LineTypes.AntiAlias);
        }

        byte[] jpeg = [];
        foreach (var quality in Qualities)
        {
            Cv2.ImEncode(".jpg", _canvas, out jpeg, [(int)ImwriteFlags.JpegQuality, quality]);
            if (jpeg.Length <= maxBytes)
            {
                break;
            }
        }

        return jpeg;
    }

    public void Dispose() => _canvas.Dispose();
}
