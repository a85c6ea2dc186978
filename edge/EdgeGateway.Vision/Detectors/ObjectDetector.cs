using System.Diagnostics;
using EdgeGateway.Core.Vision;
using EdgeGateway.Vision.Models;
using Microsoft.ML.OnnxRuntime;
using OpenCvSharp;

namespace EdgeGateway.Vision.Detectors;

/// <summary>
/// One ONNX model behind one <see cref="InferenceSession"/>, shared by every camera that uses it.
/// Calls are serialised (the session already uses all intra-op threads), so the tensors and
/// scratch buffers are allocated once and reused for every frame.
/// </summary>
public abstract class ObjectDetector : IDisposable
{
    private readonly Lock _gate = new();
    private bool _disposed;

    protected ObjectDetector(ResolvedModel model, InferenceSession session)
    {
        ArgumentNullException.ThrowIfNull(model);
        Model = model;
        Session = session;
        Labels = model.Labels;
    }

    public ResolvedModel Model { get; }

    public string Name => Model.Name;

    public IReadOnlyList<string> Labels { get; }

    public float DefaultScoreThreshold => Model.Manifest.ScoreThreshold;

    /// <summary>Stopwatch ticks the last <see cref="Detect"/> spent turning the frame into the input tensor.</summary>
    public long LastPreprocessTicks { get; private set; }

    /// <summary>How many times the model has run (warm-up included).</summary>
    public long Runs => Interlocked.Read(ref _runs);

    private long _runs;

    protected InferenceSession Session { get; }

    protected RunOptions RunOptions { get; } = new();

    /// <summary>
    /// Detects objects in a BGR frame. <paramref name="results"/> is cleared and filled with boxes in
    /// the frame's pixels, best score first.
    /// </summary>
    public void Detect(Mat bgr, List<Detection> results, float? minScore = null)
    {
        ArgumentNullException.ThrowIfNull(bgr);
        ArgumentNullException.ThrowIfNull(results);
        if (bgr.Empty() || bgr.Type() != MatType.CV_8UC3)
        {
            throw new ArgumentException($"model '{Name}': expected a non-empty 8-bit BGR frame, got {bgr.Type()} {bgr.Width}x{bgr.Height}", nameof(bgr));
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var start = Stopwatch.GetTimestamp();
            Preprocess(bgr);
            LastPreprocessTicks = Stopwatch.GetTimestamp() - start;
            Infer();
            Interlocked.Increment(ref _runs);
            results.Clear();
            Decode(minScore ?? DefaultScoreThreshold, results);
        }
    }

    /// <summary>Runs the model once on a grey frame so the first real frame is not slow.</summary>
    public void WarmUp(int width = 1280, int height = 720)
    {
        using var grey = new Mat(height, width, MatType.CV_8UC3, new Scalar(114, 114, 114));
        Detect(grey, new List<Detection>());
    }

    /// <summary>Writes the frame into the input tensor.</summary>
    protected abstract void Preprocess(Mat bgr);

    /// <summary>Runs the session on the input tensor.</summary>
    protected abstract void Infer();

    /// <summary>Turns the output tensors into detections in source pixels.</summary>
    protected abstract void Decode(float minScore, List<Detection> results);

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            Dispose(true);
            RunOptions.Dispose();
            Session.Dispose();
        }

        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
    }

    /// <summary>Loads the weights and builds the detector for the manifest's layout; a mismatch is a <see cref="ModelException"/>.</summary>
    public static ObjectDetector Create(ResolvedModel model, int intraOpNumThreads = 2, bool warmUp = true)
    {
        ArgumentNullException.ThrowIfNull(model);
        var session = OpenSession(model, intraOpNumThreads);
        try
        {
            ObjectDetector detector = model.Manifest.Layout switch
            {
                DetectorLayouts.Yolox => new YoloxDetector(model, session),
                DetectorLayouts.FaceMaskRetina => new FaceMaskRetinaDetector(model, session),
                DetectorLayouts.Yolov8 => new Yolov8Detector(model, session),
                _ => throw new ModelException($"model '{model.Name}': layout '{model.Manifest.Layout}' is not supported; expected one of {string.Join(", ", DetectorLayouts.All)}"),
            };
            if (warmUp)
            {
                try
                {
                    detector.WarmUp();
                }
                catch (OnnxRuntimeException e)
                {
                    detector.Dispose();
                    throw new ModelException($"model '{model.Name}': warm-up run failed, the model does not fit layout '{model.Manifest.Layout}' ({FirstLine(e.Message)})", e);
                }
            }

            return detector;
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    private static InferenceSession OpenSession(ResolvedModel model, int intraOpNumThreads)
    {
        using var options = new SessionOptions
        {
            IntraOpNumThreads = Math.Max(0, intraOpNumThreads),
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            // The face model declares fixed output shapes that differ from the real ones; the runtime's warning is noise.
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        // Idle intra-op threads sleep instead of spinning, so the cameras' decoder threads get the
        // cores between inferences (measured with edgegw bench vision).
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        try
        {
            return new InferenceSession(model.WeightsPath, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new ModelException($"model '{model.Name}': ONNX Runtime cannot load {model.WeightsPath} ({FirstLine(e.Message)})", e);
        }
    }

    /// <summary>Throws a one-line <see cref="ModelException"/> naming the model when a shape check fails.</summary>
    protected void Require(bool condition, string what)
    {
        if (!condition)
        {
            throw new ModelException($"model '{Name}' ({Model.WeightsPath}): layout '{Model.Manifest.Layout}' {what}");
        }
    }

    protected static string Shape(IEnumerable<int> dimensions) => string.Join("x", dimensions);

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();
}
