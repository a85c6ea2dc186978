using System.Security.Cryptography;
using EdgeGateway.Core;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Vision.Models;

/// <summary>
/// The model manifests the gateway knows, and the fetch step that puts their weights in the cache:
/// copied from the shared model folder when it exists, else downloaded from the manifest's public
/// source. The SHA-256 is always checked, on fetch and on every load.
/// </summary>
public sealed class ModelCatalog
{
    private const string ManifestFileName = "model.json";
    private readonly ModelStoreOptions _options;

    public ModelCatalog(IOptions<ModelStoreOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        CheckoutRoot = GatewayPaths.CheckoutRoot;
        ManifestDir = _options.ManifestDir is { Length: > 0 } m ? m : GatewayPaths.ManifestDir;
        CacheDir = GatewayPaths.ModelsCacheDir(_options.CacheDir, configuredDataDir: null);
        SharedDir = _options.SharedDir is { Length: > 0 } s ? s : GatewayPaths.SharedDir is { } shared ? Path.Combine(shared, "models") : null;
    }

    public ModelCatalog()
        : this(Options.Create(new ModelStoreOptions()))
    {
    }

    public string ManifestDir { get; }

    public string CacheDir { get; }

    public string? SharedDir { get; }

    /// <summary>The checkout root (holding EdgeGateway.sln) above the binary, or null on an installed box.</summary>
    public string? CheckoutRoot { get; }

    public int IntraOpNumThreads => _options.IntraOpNumThreads;

    /// <summary>All manifests under <see cref="ManifestDir"/>, by name.</summary>
    public IReadOnlyList<ModelManifest> List()
    {
        if (!Directory.Exists(ManifestDir))
        {
            return [];
        }

        return [.. Directory.EnumerateDirectories(ManifestDir)
            .Select(d => Path.Combine(d, ManifestFileName))
            .Where(File.Exists)
            .Select(ModelManifest.Load)
            .OrderBy(m => m.Name, StringComparer.Ordinal)];
    }

    public ModelManifest Get(string name)
    {
        var path = Path.Combine(ManifestDir, name, ManifestFileName);
        if (!File.Exists(path))
        {
            var known = string.Join(", ", List().Select(m => m.Name));
            throw new ModelException($"model '{name}': no manifest at {path}; known models: {(known.Length > 0 ? known : "none")}");
        }

        return ModelManifest.Load(path);
    }

    /// <summary>Where the verified weights of a manifest live in the cache.</summary>
    public string CachedWeightsPath(ModelManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        return Path.Combine(CacheDir, manifest.Name, manifest.File);
    }

    /// <summary>Makes sure the named model's weights are in the cache and verified; fetches them if not.</summary>
    public Task<ResolvedModel> EnsureFetchedAsync(string name, IProgress<string>? progress = null, IProgress<double>? percent = null, CancellationToken cancellationToken = default) =>
        EnsureFetchedAsync(Get(name), progress, percent, cancellationToken);

    /// <summary>
    /// Puts the verified weights in the cache unless they are already there. <paramref name="progress"/> gets a line per
    /// step; <paramref name="percent"/> gets 0-100 as the bytes arrive (when their total is known), for a progress bar.
    /// </summary>
    public async Task<ResolvedModel> EnsureFetchedAsync(ModelManifest manifest, IProgress<string>? progress = null, IProgress<double>? percent = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var target = CachedWeightsPath(manifest);
        if (File.Exists(target) && await HashMatchesAsync(manifest, target, cancellationToken))
        {
            progress?.Report($"{manifest.Name}: {target} present, sha256 ok");
            return new ResolvedModel(manifest, target, ReadLabels(manifest));
        }

        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var temporary = $"{target}.{Environment.ProcessId}-{Guid.NewGuid():N}.part";
        var shared = SharedDir is null ? null : Path.Combine(SharedDir, manifest.Name, manifest.File);
        if (shared is not null && File.Exists(shared))
        {
            progress?.Report($"{manifest.Name}: copying {shared}");
            await using var from = File.OpenRead(shared);
            await using var to = File.Create(temporary);
            await CopyAsync(from, to, from.Length, percent, cancellationToken);
        }
        else if (manifest.Source is { Length: > 0 } source)
        {
            progress?.Report($"{manifest.Name}: downloading {source}");
            await DownloadAsync(source, temporary, manifest, percent, cancellationToken);
        }
        else
        {
            throw new ModelException(
                $"model '{manifest.Name}': weights file {manifest.File} missing (looked in {target}{(shared is null ? string.Empty : " and " + shared)}) and no public source is known; expected sha256 {manifest.Sha256}");
        }

        await VerifyAsync(manifest, temporary, displayPath: target, cancellationToken);
        File.Move(temporary, target, overwrite: true);
        progress?.Report($"{manifest.Name}: {target} sha256 ok");
        return new ResolvedModel(manifest, target, ReadLabels(manifest));
    }

    /// <summary>
    /// Turns what a technician typed after <c>--model</c> into a verified model: a model name, a
    /// manifest file, a folder holding a manifest, or a bare <c>.onnx</c> file with a layout and labels.
    /// </summary>
    public async Task<ResolvedModel> ResolveAsync(
        string model,
        string? layout = null,
        string? labelsFile = null,
        IProgress<string>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        if (model.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
        {
            return ResolveBareOnnx(model, layout, labelsFile);
        }

        ModelManifest manifest;
        if (File.Exists(model))
        {
            manifest = ModelManifest.Load(model);
        }
        else if (Directory.Exists(model))
        {
            var path = Path.Combine(model, ManifestFileName);
            if (!File.Exists(path))
            {
                throw new ModelException($"model folder {model}: no {ManifestFileName} in it");
            }

            manifest = ModelManifest.Load(path);
        }
        else
        {
            manifest = Get(model);
        }

        if (layout is { Length: > 0 } && !string.Equals(layout, manifest.Layout, StringComparison.Ordinal))
        {
            manifest = manifest with { Layout = layout };
        }

        if (labelsFile is { Length: > 0 })
        {
            manifest = manifest with { Labels = Path.GetFullPath(labelsFile) };
        }

        // Weights beside the manifest (a vendor's folder) win over the cache.
        var beside = manifest.Directory is null ? null : Path.Combine(manifest.Directory, manifest.File);
        if (beside is not null && File.Exists(beside))
        {
            await VerifyAsync(manifest, beside, beside, cancellationToken);
            return new ResolvedModel(manifest, beside, ReadLabels(manifest));
        }

        return await EnsureFetchedAsync(manifest, progress, cancellationToken: cancellationToken);
    }

    private static ResolvedModel ResolveBareOnnx(string onnx, string? layout, string? labelsFile)
    {
        if (!File.Exists(onnx))
        {
            throw new ModelException($"model file {onnx}: not found");
        }

        if (layout is not { Length: > 0 })
        {
            throw new ModelException($"model file {onnx}: a bare .onnx needs --layout ({string.Join("|", DetectorLayouts.All)})");
        }

        if (labelsFile is not { Length: > 0 } && layout != DetectorLayouts.FaceMaskRetina)
        {
            throw new ModelException($"model file {onnx}: a bare .onnx needs --labels <file> (one label per line)");
        }

        var full = Path.GetFullPath(onnx);
        var manifest = new ModelManifest
        {
            Name = Path.GetFileNameWithoutExtension(full),
            Layout = layout,
            File = Path.GetFileName(full),
            Labels = labelsFile is { Length: > 0 } ? Path.GetFullPath(labelsFile) : null,
            ScoreThreshold = layout == DetectorLayouts.FaceMaskRetina ? 0.75f : 0.3f,
            NmsThreshold = layout == DetectorLayouts.FaceMaskRetina ? 0.4f : 0.45f,
            Directory = Path.GetDirectoryName(full),
        };
        return new ResolvedModel(manifest, full, ReadLabels(manifest));
    }

    /// <summary>Labels in class order; face-mask-retina has fixed labels when none are given.</summary>
    public static IReadOnlyList<string> ReadLabels(ModelManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        if (manifest.Labels is not { Length: > 0 } labels)
        {
            return manifest.Layout == DetectorLayouts.FaceMaskRetina
                ? ["no_mask", "mask"]
                : throw new ModelException($"model '{manifest.Name}': manifest names no labels file");
        }

        var path = Path.IsPathRooted(labels) ? labels : Path.Combine(manifest.Directory ?? ".", labels);
        if (!File.Exists(path))
        {
            throw new ModelException($"model '{manifest.Name}': labels file {path} not found");
        }

        return [.. File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0)];
    }

    private static async Task<bool> HashMatchesAsync(ModelManifest manifest, string path, CancellationToken cancellationToken) =>
        manifest.Sha256 is null || string.Equals(await Sha256HexAsync(path, cancellationToken), manifest.Sha256, StringComparison.Ordinal);

    private static async Task VerifyAsync(ModelManifest manifest, string path, string displayPath, CancellationToken cancellationToken)
    {
        if (manifest.Sha256 is null)
        {
            return;
        }

        var actual = await Sha256HexAsync(path, cancellationToken);
        if (!string.Equals(actual, manifest.Sha256, StringComparison.Ordinal))
        {
            if (!string.Equals(path, displayPath, StringComparison.Ordinal))
            {
                File.Delete(path);
            }

            throw new ModelException(
                $"model '{manifest.Name}': {displayPath} has sha256 {actual}, expected sha256 {manifest.Sha256}");
        }
    }

    public static async Task<string> Sha256HexAsync(string path, CancellationToken cancellationToken = default)
    {
        await using var stream = File.OpenRead(path);
        var hash = await SHA256.HashDataAsync(stream, cancellationToken);
        return Convert.ToHexStringLower(hash);
    }

    /// <summary>Copies a stream, reporting whole percents when the total length is known.</summary>
    private static async Task CopyAsync(Stream source, Stream target, long? length, IProgress<double>? percent, CancellationToken cancellationToken)
    {
        var buffer = new byte[128 * 1024];
        long copied = 0;
        var reported = -1L;
        int read;
        while ((read = await source.ReadAsync(buffer, cancellationToken)) > 0)
        {
            await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            copied += read;
            if (percent is not null && length > 0 && copied * 100 / length.Value is var whole && whole != reported)
            {
                reported = whole;
                percent.Report(whole);
            }
        }
    }

    private static async Task DownloadAsync(string source, string temporary, ModelManifest manifest, IProgress<double>? percent, CancellationToken cancellationToken)
    {
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(5) };
            using var response = await http.GetAsync(new Uri(source), HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            response.EnsureSuccessStatusCode();
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            await using var file = File.Create(temporary);
            await CopyAsync(body, file, response.Content.Headers.ContentLength, percent, cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new ModelException(
                $"model '{manifest.Name}': download of {manifest.File} from {source} failed ({e.Message}); expected sha256 {manifest.Sha256}", e);
        }
    }
}
