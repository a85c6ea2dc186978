using EdgeGateway.Core.Vision;
using EdgeGateway.Vision.Models;
using Microsoft.ML.OnnxRuntime;
using OpenCvSharp;

namespace EdgeGateway.Vision.Detectors;

/// <summary>
/// Ultralytics YOLOv8/YOLO11 export (<c>yolov8</c> layout), the layout most vendors' custom models
/// use: input <c>1x3xHxW</c> float RGB 0..1 letterboxed at the centre with 114; output
/// <c>1x(4+nc)xN</c> with rows <c>cx, cy, w, h</c> then one score per class (no objectness).
/// The transposed <c>1xNx(4+nc)</c> export is read too.
/// </summary>
public sealed class Yolov8Detector : ObjectDetector
{
    private readonly FixedTensorBinding _io;
    private readonly Nms _nms = new();
    private readonly int _boxes;
    private readonly bool _channelsFirst;
    private readonly float _nmsThreshold;

    internal Yolov8Detector(ResolvedModel model, InferenceSession session)
        : base(model, session)
    {
        var input = session.InputMetadata.Single();
        var output = session.OutputMetadata.First();
        var manifest = model.Manifest;
        var dims = input.Value.Dimensions;
        Require(input.Value.ElementType == typeof(float), $"expects a float input, but the model's input '{input.Key}' is {input.Value.ElementType.Name}");
        var width = manifest.Input.Width > 0 ? manifest.Input.Width : dims[3];
        var height = manifest.Input.Height > 0 ? manifest.Input.Height : dims[2];
        Require(dims.Length == 4 && dims[1] == 3 && dims[2] == height && dims[3] == width && width > 0,
            $"expects input 1x3x{height}x{width}, but the model declares {Shape(dims)}");
        var channels = 4 + Labels.Count;
        var outDims = output.Value.Dimensions;
        Require(outDims.Length == 3 && (outDims[1] == channels || outDims[2] == channels),
            $"expects output 1x{channels}xN (4 box values + {Labels.Count} labels), but the model declares {Shape(outDims)}");
        _channelsFirst = outDims[1] == channels;
        _boxes = _channelsFirst ? outDims[2] : outDims[1];
        long[] shape = _channelsFirst ? [1, channels, _boxes] : [1, _boxes, channels];
        _io = new FixedTensorBinding(input.Key, new LetterboxTensor(width, height, centered: true, rgb: true, scale: 1f / 255f), output.Key, shape);
        _nmsThreshold = manifest.NmsThreshold;
    }

    protected override void Preprocess(Mat bgr) => _io.Input.Write(bgr);

    protected override void Infer() => _io.Run(Session, RunOptions);

    protected override void Decode(float minScore, List<Detection> results) =>
        DecodeOutput(_io.Output, Labels, _boxes, _channelsFirst, minScore, _nmsThreshold, _io.Input.ToSource, _nms, results);

    /// <summary>
    /// Decodes a raw <c>1x(4+nc)xN</c> (or transposed) output. Boxes go through <paramref name="toSource"/>
    /// from tensor to source pixels.
    /// </summary>
    internal static void DecodeOutput(
        ReadOnlySpan<float> output,
        IReadOnlyList<string> labels,
        int boxes,
        bool channelsFirst,
        float minScore,
        float nmsThreshold,
        Func<float, float, float, float, BoxF> toSource,
        Nms nms,
        List<Detection> results)
    {
        var classes = labels.Count;
        var channels = 4 + classes;
        var candidates = nms.Candidates;
        candidates.Clear();
        for (var i = 0; i < boxes; i++)
        {
            var best = -1;
            var bestScore = minScore;
            for (var c = 0; c < classes; c++)
            {
                var score = At(output, channelsFirst, boxes, channels, i, 4 + c);
                if (score >= bestScore)
                {
                    best = c;
                    bestScore = score;
                }
            }

            if (best < 0)
            {
                continue;
            }

            var cx = At(output, channelsFirst, boxes, channels, i, 0);
            var cy = At(output, channelsFirst, boxes, channels, i, 1);
            var w = At(output, channelsFirst, boxes, channels, i, 2);
            var h = At(output, channelsFirst, boxes, channels, i, 3);
            candidates.Add(new Candidate { Box = toSource(cx - (w / 2), cy - (h / 2), cx + (w / 2), cy + (h / 2)), Score = bestScore, ClassId = best });
        }

        results.Clear();
        nms.Run(nmsThreshold, classAware: true, (results, labels), static (state, kept) =>
            state.results.Add(new Detection(state.labels[kept.ClassId], kept.ClassId, kept.Score, kept.Box)));
    }

    private static float At(ReadOnlySpan<float> output, bool channelsFirst, int boxes, int channels, int box, int channel) =>
        channelsFirst ? output[(channel * boxes) + box] : output[(box * channels) + channel];

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _io.Dispose();
        }

        base.Dispose(disposing);
    }
}
