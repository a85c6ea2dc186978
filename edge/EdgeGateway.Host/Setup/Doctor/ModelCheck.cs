using EdgeGateway.Vision.Models;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Host.Setup.Doctor;

/// <summary>Every camera's model is in the cache with the SHA-256 its manifest names.</summary>
internal sealed class ModelCheck : IDoctorCheck
{
    public string Name => "model";

    public static ModelCatalog Catalog(IConfiguration configuration) =>
        new(Options.Create(ModelStoreOptions.From(configuration)));

    public async Task<IReadOnlyList<DoctorResult>> RunAsync(DoctorContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var names = context.Settings.Cameras.Select(c => c.Model).Distinct(StringComparer.Ordinal).ToList();
        if (names.Count == 0)
        {
            return [DoctorResult.Pass(Name, "no cameras, no models needed")];
        }

        var catalog = Catalog(context.Configuration);
        var results = new List<DoctorResult>();
        foreach (var name in names)
        {
            results.Add(await CheckAsync(catalog, name, cancellationToken));
        }

        return results;
    }

    private async Task<DoctorResult> CheckAsync(ModelCatalog catalog, string name, CancellationToken cancellationToken)
    {
        var check = $"{Name} {name}";
        if (name.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
        {
            return File.Exists(name)
                ? DoctorResult.Warn(check, $"{name} present; a bare .onnx has no manifest, so its hash cannot be checked", "use a model manifest (models/<name>/model.json) to pin its sha256")
                : DoctorResult.Fail(check, $"{name} does not exist", "copy the model to the box or fix Cameras:N:Model");
        }

        ModelManifest manifest;
        try
        {
            manifest = catalog.Get(name);
        }
        catch (ModelException ex)
        {
            return DoctorResult.Fail(check, ex.Message, "fix Cameras:N:Model to one of the known models");
        }

        var path = catalog.CachedWeightsPath(manifest);
        if (!File.Exists(path))
        {
            return DoctorResult.Fail(check, $"{path} is missing", $"run `edgegw models fetch {name}` (or `edgegw provision` again without --skip-models)");
        }

        var actual = await ModelCatalog.Sha256HexAsync(path, cancellationToken);
        if (manifest.Sha256 is { Length: > 0 } expected && !string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
        {
            return DoctorResult.Fail(check, $"{path} has sha256 {actual[..12]}…, expected {expected[..12]}…", $"the file is damaged or replaced: delete it and run `edgegw models fetch {name}`");
        }

        return DoctorResult.Pass(check, $"{path}, sha256 {actual[..12]}… ok");
    }
}
