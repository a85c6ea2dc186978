namespace EdgeGateway.Vision.Models;

/// <summary>Where manifests are read and weights are cached. Section <c>Models</c>.</summary>
public sealed class ModelStoreOptions
{
    public const string SectionName = "Models";

    /// <summary>
    /// Where fetched weights live. Default: <c>.models/</c> at the checkout root when running from a
    /// checkout, else <c>/var/lib/edgegw/models</c>.
    /// </summary>
    public string? CacheDir { get; set; }

    /// <summary>Folder holding <c>&lt;name&gt;/model.json</c>. Default: <c>models/</c> beside the binary.</summary>
    public string? ManifestDir { get; set; }

    /// <summary>
    /// Read-only shared model folder copied from before downloading. Default: <c>$EDGEGW_SHARED/models</c>,
    /// else <c>../shared/models</c> beside the checkout.
    /// </summary>
    public string? SharedDir { get; set; }

    /// <summary>ONNX Runtime intra-op threads per model session. 0 lets the runtime choose.</summary>
    public int IntraOpNumThreads { get; set; } = 2;
}
