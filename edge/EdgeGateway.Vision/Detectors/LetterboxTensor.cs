using EdgeGateway.Core.Vision;
using Microsoft.ML.OnnxRuntime;
using OpenCvSharp;

namespace EdgeGateway.Vision.Detectors;

/// <summary>
/// A fixed-size float CHW input tensor filled by letterboxing: scale by <c>r = min(W/w, H/h)</c>
/// (bilinear), paste at the top-left or the centre, pad with 114. Buffers live as long as the detector.
/// </summary>
internal sealed class LetterboxTensor : IDisposable
{
    private const float PadValue = 114f;
    private readonly bool _centered;
    private readonly bool _rgb;
    private readonly float _scale;
    private readonly Mat _resized = new();
    private Rect _lastRegion = new(-1, -1, -1, -1);

    public LetterboxTensor(int width, int height, bool centered, bool rgb, float scale)
    {
        Width = width;
        Height = height;
        _centered = centered;
        _rgb = rgb;
        _scale = scale;
        Data = new float[3 * width * height];
        Value = OrtValue.CreateTensorValueFromMemory(Data, [1, 3, height, width]);
    }

    public int Width { get; }

    public int Height { get; }

    public float[] Data { get; }

    public OrtValue Value { get; }

    public float Ratio { get; private set; } = 1;

    public int Left { get; private set; }

    public int Top { get; private set; }

    public int SourceWidth { get; private set; }

    public int SourceHeight { get; private set; }

    public void Write(Mat bgr)
    {
        SourceWidth = bgr.Cols;
        SourceHeight = bgr.Rows;
        Ratio = Math.Min((float)Width / SourceWidth, (float)Height / SourceHeight);
        var width = Math.Clamp((int)(SourceWidth * Ratio), 1, Width);
        var height = Math.Clamp((int)(SourceHeight * Ratio), 1, Height);
        Left = _centered ? (Width - width) / 2 : 0;
        Top = _centered ? (Height - height) / 2 : 0;
        var region = new Rect(Left, Top, width, height);
        if (region != _lastRegion)
        {
            // The padding only changes when the frame size does.
            Array.Fill(Data, PadValue * _scale);
            _lastRegion = region;
        }

        Mat source = bgr;
        if (width != SourceWidth || height != SourceHeight)
        {
            Cv2.Resize(bgr, _resized, new Size(width, height), 0, 0, InterpolationFlags.Linear);
            source = _resized;
        }

        TensorWriter.WriteFloatPlanes(source, Data, Width, Height, Left, Top, _rgb, _scale);
    }

    /// <summary>Maps a box from tensor pixels back to source pixels, clipped to the frame.</summary>
    public BoxF ToSource(float x1, float y1, float x2, float y2) =>
        new BoxF((x1 - Left) / Ratio, (y1 - Top) / Ratio, (x2 - Left) / Ratio, (y2 - Top) / Ratio)
            .Clip(SourceWidth, SourceHeight);

    public void Dispose()
    {
        Value.Dispose();
        _resized.Dispose();
    }
}
