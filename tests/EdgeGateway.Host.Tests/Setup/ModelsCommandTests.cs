using System.CommandLine;
using EdgeGateway.Host.Commands;
using EdgeGateway.Testing;

namespace EdgeGateway.Host.Tests.Setup;

[Trait("Category", "Integration")]
public sealed class ModelsCommandTests
{
    [Fact]
    public async Task Models_fetch_and_detect_use_the_models_dir_given()
    {
        using var dir = new TempDir();
        var cache = dir.File("models");

        var fetched = await InvokeAsync("models", "fetch", "--model", "yolox-nano-coco80", "--models-dir", cache);
        var weights = Directory.GetFiles(cache, "*.onnx", SearchOption.AllDirectories);
        // Damage the weights in that folder: detect must find them there, see the wrong sha256 and repair them.
        File.WriteAllBytes(weights.Single(), [1, 2, 3]);
        var detected = await InvokeAsync("detect", "--model", "yolox-nano-coco80", "--models-dir", cache,
            RepoPaths.SharedFile("images", "street-bicycle-dog.jpg"));

        Assert.Equal(0, fetched);
        Assert.Equal(0, detected);
        var original = RepoPaths.SharedFile("models", "yolox-nano-coco80", Path.GetFileName(weights.Single()));
        Assert.Equal(File.ReadAllBytes(original), File.ReadAllBytes(weights.Single()));
    }

    private static async Task<int> InvokeAsync(params string[] args)
    {
        var root = new RootCommand("edgegw");
        var bench = new Command("bench");
        root.Subcommands.Add(bench);
        VisionCommands.Register(root, bench);
        return await root.Parse(args).InvokeAsync();
    }
}
