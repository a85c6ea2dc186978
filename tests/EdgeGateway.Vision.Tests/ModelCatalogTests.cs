using EdgeGateway.Testing;
using EdgeGateway.Vision.Models;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Vision.Tests;

[Trait("Category", "Unit")]
public sealed class ModelCatalogTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("edgegw-models-");

    private string Dir(string name) => Directory.CreateDirectory(Path.Combine(_root.FullName, name)).FullName;

    private ModelCatalog Catalog(string? shared = null) => new(Options.Create(new ModelStoreOptions
    {
        ManifestDir = Dir("manifests"),
        CacheDir = Dir("cache"),
        SharedDir = shared ?? Dir("shared"),
    }));

    private void WriteManifest(string name, string sha, string? source = null)
    {
        var folder = Directory.CreateDirectory(Path.Combine(_root.FullName, "manifests", name)).FullName;
        File.WriteAllText(Path.Combine(folder, "model.json"), $$"""
            { "name": "{{name}}", "layout": "yolox", "file": "w.onnx", "sha256": "{{sha}}", "labels": "labels.txt",
              "source": {{(source is null ? "null" : $"\"{source}\"")}} }
            """);
        File.WriteAllText(Path.Combine(folder, "labels.txt"), "a\nb\n");
    }

    [Fact]
    public async Task Fetch_copies_from_the_shared_folder_and_verifies_the_hash()
    {
        var shared = Dir("shared");
        Directory.CreateDirectory(Path.Combine(shared, "m"));
        await File.WriteAllTextAsync(Path.Combine(shared, "m", "w.onnx"), "weights");
        var sha = await ModelCatalog.Sha256HexAsync(Path.Combine(shared, "m", "w.onnx"));
        WriteManifest("m", sha);

        var model = await Catalog(shared).EnsureFetchedAsync("m");

        Assert.Equal(Path.Combine(_root.FullName, "cache", "m", "w.onnx"), model.WeightsPath);
        Assert.Equal("weights", await File.ReadAllTextAsync(model.WeightsPath));
        Assert.Equal(["a", "b"], model.Labels);
    }

    [Fact]
    public async Task Fetch_reports_percent_as_the_bytes_arrive_ending_at_100()
    {
        var shared = Dir("shared");
        Directory.CreateDirectory(Path.Combine(shared, "m"));
        var weights = new byte[3 * 1024 * 1024];
        new Random(7).NextBytes(weights);
        await File.WriteAllBytesAsync(Path.Combine(shared, "m", "w.onnx"), weights);
        WriteManifest("m", await ModelCatalog.Sha256HexAsync(Path.Combine(shared, "m", "w.onnx")));
        var percents = new RecordingProgress();

        await Catalog(shared).EnsureFetchedAsync("m", percent: percents);

        Assert.True(percents.Values.Count >= 10, $"only {percents.Values.Count} progress reports for 3 MiB");
        Assert.Equal(percents.Values.Order(), percents.Values);
        Assert.Equal(100, percents.Values[^1]);
    }

    /// <summary>Records synchronously (Progress&lt;T&gt; would post to the pool and race the assertions).</summary>
    private sealed class RecordingProgress : IProgress<double>
    {
        public List<double> Values { get; } = [];

        public void Report(double value) => Values.Add(value);
    }

    [Fact]
    public async Task A_hash_mismatch_names_the_file_and_the_expected_hash_and_leaves_nothing_in_the_cache()
    {
        var shared = Dir("shared");
        Directory.CreateDirectory(Path.Combine(shared, "m"));
        await File.WriteAllTextAsync(Path.Combine(shared, "m", "w.onnx"), "tampered");
        var expected = new string('a', 64);
        WriteManifest("m", expected);

        var error = await Assert.ThrowsAsync<ModelException>(() => Catalog(shared).EnsureFetchedAsync("m"));

        Assert.Contains("w.onnx", error.Message, StringComparison.Ordinal);
        Assert.Contains($"expected sha256 {expected}", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
        Assert.Empty(Directory.GetFiles(Path.Combine(_root.FullName, "cache", "m")));
    }

    [Fact]
    public async Task A_missing_file_without_a_source_is_a_one_line_error_naming_file_and_hash()
    {
        var expected = new string('b', 64);
        WriteManifest("m", expected);

        var error = await Assert.ThrowsAsync<ModelException>(() => Catalog().EnsureFetchedAsync("m"));

        Assert.Contains("w.onnx", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refused_download_is_a_clear_error()
    {
        var expected = new string('c', 64);
        WriteManifest("m", expected, $"http://127.0.0.1:{FreePort.Next()}/w.onnx");

        var error = await Assert.ThrowsAsync<ModelException>(() => Catalog().EnsureFetchedAsync("m"));

        Assert.Contains("download of w.onnx", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_committed_manifests_load_and_match_the_shared_weights()
    {
        var catalog = new ModelCatalog(Options.Create(new ModelStoreOptions { ManifestDir = RepoPaths.Seeds("models") }));

        var manifests = catalog.List();

        Assert.Equal(["face-mask-retina", "yolox-nano-coco80"], manifests.Select(m => m.Name));
        foreach (var manifest in manifests)
        {
            var shared = RepoPaths.SharedFile("models", manifest.Name, manifest.File);
            Assert.Equal(manifest.Bytes, new FileInfo(shared).Length);
            Assert.Equal(manifest.Sha256, await ModelCatalog.Sha256HexAsync(shared));
        }

        Assert.Equal(80, ModelCatalog.ReadLabels(catalog.Get("yolox-nano-coco80")).Count);
    }

    public void Dispose() => _root.Delete(recursive: true);
}
