using EdgeGateway.Vision.Detectors;
using EdgeGateway.Vision.Models;

namespace EdgeGateway.Vision.Pipeline;

/// <summary>One detector (one ONNX Runtime session) per model, shared by all cameras that use it.</summary>
public sealed class DetectorPool(ModelCatalog catalog) : IDisposable
{
    private readonly Dictionary<string, ObjectDetector> _detectors = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _gate = new(1, 1);

    public int IntraOpNumThreads => catalog.IntraOpNumThreads;

    /// <summary>Fetches (if needed), verifies, loads and warms up the model; a problem is a <see cref="ModelException"/> naming it.</summary>
    public async Task<ObjectDetector> GetAsync(string model, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_detectors.TryGetValue(model, out var existing))
            {
                return existing;
            }

            // Keyed by the weights and layout too, so a name and a manifest path for the same model share one session.
            var resolved = await catalog.ResolveAsync(model, cancellationToken: cancellationToken);
            var key = $"{resolved.WeightsPath}|{resolved.Manifest.Layout}";
            if (!_detectors.TryGetValue(key, out var detector))
            {
                detector = ObjectDetector.Create(resolved, catalog.IntraOpNumThreads);
                _detectors[key] = detector;
            }

            _detectors[model] = detector;
            return detector;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose()
    {
        foreach (var detector in _detectors.Values.Distinct())
        {
            detector.Dispose();
        }

        _detectors.Clear();
        _gate.Dispose();
    }
}
