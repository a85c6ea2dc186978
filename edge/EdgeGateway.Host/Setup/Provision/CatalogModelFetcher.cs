using EdgeGateway.Vision.Models;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Host.Setup.Provision;

/// <summary>Fetches models through the vision catalog: copied from the shared folder or downloaded, hash checked.</summary>
internal sealed class CatalogModelFetcher : IModelFetcher
{
    public async Task<string> FetchAsync(string model, string? cacheDir, IProgress<double> percent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(percent);
        var catalog = new ModelCatalog(Options.Create(new ModelStoreOptions { CacheDir = cacheDir }));
        var resolved = await catalog.EnsureFetchedAsync(model, percent: percent, cancellationToken: cancellationToken);
        percent.Report(100);
        return $"model {model}: {resolved.WeightsPath} (sha256 verified)";
    }
}
