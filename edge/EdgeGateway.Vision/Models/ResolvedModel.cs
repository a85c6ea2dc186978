namespace EdgeGateway.Vision.Models;

/// <summary>A manifest whose weights are on disk and verified, with its labels read.</summary>
public sealed record ResolvedModel(ModelManifest Manifest, string WeightsPath, IReadOnlyList<string> Labels)
{
    public string Name => Manifest.Name;
}
