namespace EdgeGateway.Vision.Models;

/// <summary>Where manifests are read and weights are cached. Section <c>Models</c>.</summary>
public sealed class ModelStoreOptions
{
    public const string SectionName = "Models";

    /// <summary>
    /// Where fetched weights live. Default: <c>{Storage:DataDir}/models</c> (see <see cref="Core.GatewayPaths.ModelsCacheDir(string?, string?)"/>).
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

    /// <summary>
    /// The <c>Models</c> section of a gateway configuration with the cache folder's default applied: every verb
    /// and the service read the model store through this, so they agree on where the weights are.
    /// </summary>
    public static ModelStoreOptions From(Microsoft.Extensions.Configuration.IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = new ModelStoreOptions();
        Microsoft.Extensions.Configuration.ConfigurationBinder.Bind(configuration.GetSection(SectionName), options);
        options.ApplyDefaults(configuration);
        return options;
    }

    /// <summary>Fills <see cref="CacheDir"/> from <c>Storage:DataDir</c> when it is not set.</summary>
    public void ApplyDefaults(Microsoft.Extensions.Configuration.IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        CacheDir = Core.GatewayPaths.ModelsCacheDir(CacheDir, configuration[Core.Configuration.StorageOptions.DataDirKey]);
    }
}
