using EdgeGateway.Core.Vision;
using EdgeGateway.Vision.Models;
using Microsoft.ML.OnnxRuntime;
using OpenCvSharp;

namespace EdgeGateway.Vision.Detectors;

/// <summary>
/// Megvii YOLOX (<c>yolox</c> layout): input <c>1x3xHxW</c> float BGR 0..255 letterboxed at the
/// top-left with 114; output <c>1xNx(5+nc)</c> rows <c>[tx, ty, tw, th, obj, cls...]</c> over the
/// stride 8, 16 and 32 grids. Score is <c>obj * cls</c>, then class-aware NMS.
/// </summary>
public sealed class YoloxDetector : ObjectDetector
{
    private static readonly int[] Strides = [8, 16, 32];
    private readonly FixedTensorBinding _io;
    private readonly int[] _gridX;
    private readonly int[] _gridY;
    private readonly int[] _gridStride;
    private readonly int _rowLength;
    private readonly Nms _nms = new();
    private readonly float _nmsThreshold;

    internal YoloxDetector(ResolvedModel model, InferenceSession session)
        : base(model, session)
    {
        var input = session.InputMetadata.Single();
        var output = session.OutputMetadata.First();
        var manifest = model.Manifest;
        var width = manifest.Input.Width > 0 ? manifest.Input.Width : input.Value.Dimensions[3];
        var height = manifest.Input.Height > 0 ? manifest.Input.Height : input.Value.Dimensions[2];
        var dims = input.Value.Dimensions;
        Require(input.Value.ElementType == typeof(float), $"expects a float input, but the model's input '{input.Key}' is {input.Value.ElementType.Name}");
        Require(dims.Length == 4 && dims[1] == 3 && dims[2] == height && dims[3] == width,
            $"expects input 1x3x{height}x{width} (manifest), but the model declares {Shape(dims)}");

        _gridX = BuildGrid(width, height, out _gridY, out _gridStride);
        _rowLength = 5 + Labels.Count;
        var outDims = output.Value.Dimensions;
        Require(outDims.Length == 3 && outDims[1] == _gridX.Length && outDims[2] == _rowLength,
            $"expects output 1x{_gridX.Length}x{_rowLength} (for {width}x{height} and {Labels.Count} labels), but the model declares {Shape(outDims)}");

        _io = new FixedTensorBinding(
            input.Key, new LetterboxTensor(width, height, centered: false, rgb: false, scale: 1f), output.Key, [1, _gridX.Length, _rowLength]);
        _nmsThreshold = manifest.NmsThreshold;
    }

    protected override void Preprocess(Mat bgr) => _io.Input.Write(bgr);

    protected override void Infer() => _io.Run(Session, RunOptions);

    protected override void Decode(float minScore, List<Detection> results)
    {
        var candidates = _nms.Candidates;
        candidates.Clear();
        var classes = Labels.Count;
        var output = _io.Output.AsSpan();
        for (var i = 0; i < _gridX.Length; i++)
        {
            var row = output.Slice(i * _rowLength, _rowLength);
            var objectness = row[4];
            if (objectness < minScore)
            {
                continue;
            }

            BoxF? box = null;
            for (var c = 0; c < classes; c++)
            {
                var score = objectness * row[5 + c];
                if (score < minScore)
                {
                    continue;
                }

                box ??= DecodeBox(row, i);
                candidates.Add(new Candidate { Box = box.Value, Score = score, ClassId = c });
            }
        }

        _nms.Run(_nmsThreshold, classAware: true, (results, Labels), static (state, kept) =>
            state.results.Add(new Detection(state.Labels[kept.ClassId], kept.ClassId, kept.Score, kept.Box)));
    }

    private BoxF DecodeBox(ReadOnlySpan<float> row, int index)
    {
        float stride = _gridStride[index];
        var cx = (row[0] + _gridX[index]) * stride;
        var cy = (row[1] + _gridY[index]) * stride;
        var w = MathF.Exp(row[2]) * stride;
        var h = MathF.Exp(row[3]) * stride;
        return _io.Input.ToSource(cx - (w / 2), cy - (h / 2), cx + (w / 2), cy + (h / 2));
    }

    private static int[] BuildGrid(int width, int height, out int[] gridY, out int[] gridStride)
    {
        var count = Strides.Sum(s => (width / s) * (height / s));
        var gridX = new int[count];
        gridY = new int[count];
        gridStride = new int[count];
        var k = 0;
        foreach (var stride in Strides)
        {
            int w = width / stride, h = height / stride;
            for (var y = 0; y < h; y++)
            {
                for (var x = 0; x < w; x++, k++)
                {
                    gridX[k] = x;
                    gridY[k] = y;
                    gridStride[k] = stride;
                }
            }
        }

        return gridX;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _io.Dispose();
        }

        base.Dispose(disposing);
    }
}
