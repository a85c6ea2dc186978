using EdgeGateway.Testing;
using EdgeGateway.Vision.Detectors;
using EdgeGateway.Vision.Models;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Vision.Tests;

/// <summary>The real models from the shared folder, fetched into a per-run cache and loaded once.</summary>
internal static class TestModels
{
    public const string Yolox = "yolox-nano-coco80";
    public const string FaceMask = "face-mask-retina";

    private static readonly Lazy<ModelCatalog> LazyCatalog = new(() => new ModelCatalog(Options.Create(new ModelStoreOptions
    {
        CacheDir = CacheDir,
        ManifestDir = RepoPaths.Seeds("models"),
        SharedDir = RepoPaths.SharedFile("models"),
        IntraOpNumThreads = 2,
    })));

    private static readonly Lazy<ObjectDetector> LazyYolox = new(() => Load(Yolox));
    private static readonly Lazy<ObjectDetector> LazyFaceMask = new(() => Load(FaceMask));

    public static string CacheDir { get; } = Path.Combine(Path.GetTempPath(), "edgegw-vision-tests-models");

    public static ModelCatalog Catalog => LazyCatalog.Value;

    public static ObjectDetector YoloxDetector => LazyYolox.Value;

    public static ObjectDetector FaceMaskDetector => LazyFaceMask.Value;

    private static ObjectDetector Load(string name)
    {
        var model = Catalog.EnsureFetchedAsync(name).GetAwaiter().GetResult();
        return ObjectDetector.Create(model, intraOpNumThreads: 2);
    }
}
