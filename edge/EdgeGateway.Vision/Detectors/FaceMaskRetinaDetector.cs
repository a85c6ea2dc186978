using EdgeGateway.Core.Vision;
using EdgeGateway.Vision.Models;
using Microsoft.ML.OnnxRuntime;
using OpenCvSharp;

namespace EdgeGateway.Vision.Detectors;

/// <summary>
/// RetinaFace-style face detector with a mask head (<c>face-mask-retina</c> layout): uint8 BGR CHW
/// input of dynamic size; nine outputs (face score, box deltas, mask score for strides 32, 16, 8),
/// two anchors per cell. Each face becomes one detection labelled <c>no_mask</c> or <c>mask</c>,
/// scored by the face score.
/// </summary>
public sealed class FaceMaskRetinaDetector : ObjectDetector
{
    private const int AnchorsPerCell = 2;
    private const int NoMaskClass = 0;
    private const int MaskClass = 1;
    private static readonly int[] Strides = [32, 16, 8];

    // Base anchors [x1, y1, x2, y2] per stride, two per cell, in the order of Strides.
    private static readonly float[][] BaseAnchors =
    [
        [-248, -248, 263, 263, -120, -120, 135, 135],
        [-56, -56, 71, 71, -24, -24, 39, 39],
        [-8, -8, 23, 23, 0, 0, 15, 15],
    ];

    private readonly Mat _resized = new();
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly OrtValue[] _inputValues = new OrtValue[1];
    private readonly Nms _nms = new();
    private readonly int _shortSide;
    private readonly int _maxLongSide;
    private readonly float _nmsThreshold;
    private readonly float _maskThreshold;
    private readonly Dictionary<(int Width, int Height), (byte[] Tensor, OrtValue Value)> _inputs = [];
    private byte[] _tensor = [];
    private int _inputWidth;
    private int _inputHeight;
    private float _ratio = 1;
    private int _sourceWidth;
    private int _sourceHeight;
    private IDisposableReadOnlyCollection<OrtValue>? _outputs;

    internal FaceMaskRetinaDetector(ResolvedModel model, InferenceSession session)
        : base(model, session)
    {
        var input = session.InputMetadata.Single();
        Require(input.Value.ElementType == typeof(byte),
            $"expects a uint8 input, but the model's input '{input.Key}' is {input.Value.ElementType.Name}");
        Require(input.Value.Dimensions is [_, 3, _, _],
            $"expects input 1x3xHxW, but the model declares {Shape(input.Value.Dimensions)}");
        Require(session.OutputMetadata.Count == 9,
            $"expects 9 outputs (face score, box deltas, mask score for strides 32, 16, 8), but the model has {session.OutputMetadata.Count}");
        Require(Labels.Count == 2, $"expects two labels (no mask, mask), but has {Labels.Count}");
        _inputNames = [input.Key];
        _outputNames = [.. session.OutputNames];
        var manifest = model.Manifest;
        _shortSide = manifest.Input.ShortSide > 0 ? manifest.Input.ShortSide : 640;
        _maxLongSide = manifest.Input.MaxLongSide > 0 ? manifest.Input.MaxLongSide : 1080;
        _nmsThreshold = manifest.NmsThreshold;
        _maskThreshold = manifest.MaskThreshold;
    }

    protected override void Preprocess(Mat bgr)
    {
        _sourceWidth = bgr.Cols;
        _sourceHeight = bgr.Rows;
        var ratio = (float)_shortSide / Math.Min(_sourceWidth, _sourceHeight);
        if (Math.Max(_sourceWidth, _sourceHeight) * ratio > _maxLongSide)
        {
            ratio = (float)_maxLongSide / Math.Max(_sourceWidth, _sourceHeight);
        }

        _ratio = ratio;
        var width = Math.Max(1, (int)(_sourceWidth * ratio));
        var height = Math.Max(1, (int)(_sourceHeight * ratio));
        if (width != _inputWidth || height != _inputHeight)
        {
            // One input buffer per frame size, kept: cameras of different resolutions may share this model.
            if (!_inputs.TryGetValue((width, height), out var input))
            {
                var tensor = new byte[3 * width * height];
                input = (tensor, OrtValue.CreateTensorValueFromMemory(tensor, [1, 3, height, width]));
                _inputs[(width, height)] = input;
            }

            (_tensor, _inputValues[0]) = input;
            _inputWidth = width;
            _inputHeight = height;
        }

        Cv2.Resize(bgr, _resized, new Size(width, height), 0, 0, InterpolationFlags.Linear);
        TensorWriter.WriteBytePlanes(_resized, _tensor);
    }

    protected override void Infer()
    {
        _outputs?.Dispose();
        _outputs = Session.Run(RunOptions, _inputNames, _inputValues, _outputNames);
    }

    protected override void Decode(float minScore, List<Detection> results)
    {
        var candidates = _nms.Candidates;
        candidates.Clear();
        var outputs = _outputs!;
        for (var level = 0; level < Strides.Length; level++)
        {
            DecodeLevel(outputs[3 * level], outputs[(3 * level) + 1], outputs[(3 * level) + 2], Strides[level], BaseAnchors[level], minScore);
        }

        _nms.Run(_nmsThreshold, classAware: false, (results, Labels, _maskThreshold), static (state, kept) =>
        {
            var cls = kept.Extra <= state._maskThreshold ? NoMaskClass : MaskClass;
            state.results.Add(new Detection(state.Labels[cls], cls, kept.Score, kept.Box));
        });
        outputs.Dispose();
        _outputs = null;
    }

    private void DecodeLevel(OrtValue scores, OrtValue deltas, OrtValue masks, int stride, float[] anchors, float minScore)
    {
        var shape = scores.GetTensorTypeAndShape().Shape;
        Require(shape is [1, AnchorsPerCell, _, _], $"expects face scores 1x2xHxW, got {string.Join("x", shape)}");
        var height = (int)shape[2];
        var width = (int)shape[3];
        var cells = height * width;
        var score = scores.GetTensorDataAsSpan<float>();
        var delta = deltas.GetTensorDataAsSpan<float>();
        var mask = masks.GetTensorDataAsSpan<float>();
        Require(delta.Length == 4 * AnchorsPerCell * cells && mask.Length == AnchorsPerCell * cells,
            $"expects box deltas 1x8x{height}x{width} and mask scores 1x2x{height}x{width} at stride {stride}");
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var cell = (y * width) + x;
                for (var a = 0; a < AnchorsPerCell; a++)
                {
                    var faceScore = score[(a * cells) + cell];
                    if (faceScore < minScore)
                    {
                        continue;
                    }

                    _nms.Candidates.Add(new Candidate
                    {
                        Box = DecodeBox(anchors, a, x * stride, y * stride, delta, cells, cell),
                        Score = faceScore,
                        Extra = mask[(a * cells) + cell],
                    });
                }
            }
        }
    }

    private BoxF DecodeBox(float[] anchors, int a, int shiftX, int shiftY, ReadOnlySpan<float> delta, int cells, int cell)
    {
        var x1 = anchors[4 * a] + shiftX;
        var y1 = anchors[(4 * a) + 1] + shiftY;
        var x2 = anchors[(4 * a) + 2] + shiftX;
        var y2 = anchors[(4 * a) + 3] + shiftY;
        var aw = x2 - x1 + 1;
        var ah = y2 - y1 + 1;
        var acx = x1 + (0.5f * (aw - 1));
        var acy = y1 + (0.5f * (ah - 1));
        var dx = delta[(((4 * a) + 0) * cells) + cell];
        var dy = delta[(((4 * a) + 1) * cells) + cell];
        var dw = delta[(((4 * a) + 2) * cells) + cell];
        var dh = delta[(((4 * a) + 3) * cells) + cell];
        var pcx = (dx * aw) + acx;
        var pcy = (dy * ah) + acy;
        var pw = MathF.Exp(dw) * aw;
        var ph = MathF.Exp(dh) * ah;
        var box = new BoxF(pcx - (0.5f * (pw - 1)), pcy - (0.5f * (ph - 1)), pcx + (0.5f * (pw - 1)), pcy + (0.5f * (ph - 1)))
            .Clip(_inputWidth - 1, _inputHeight - 1);
        return box.Scale(1 / _ratio).Clip(_sourceWidth, _sourceHeight);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _outputs?.Dispose();
            foreach (var input in _inputs.Values)
            {
                input.Value.Dispose();
            }

            _resized.Dispose();
        }

        base.Dispose(disposing);
    }
}
