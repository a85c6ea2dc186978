using EdgeGateway.Testing;
using EdgeGateway.Vision.Detectors;
using EdgeGateway.Vision.Models;

namespace EdgeGateway.Vision.Tests;

/// <summary>A model that does not fit its manifest fails at start with one line naming the model.</summary>
[Trait("Category", "Integration")]
public sealed class ModelStartupErrorTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("edgegw-bad-models-");

    [Theory]
    [InlineData("yolov8", "expects output 1x84xN")]
    [InlineData("face-mask-retina", "expects a uint8 input")]
    public async Task A_wrong_layout_names_the_model_and_what_does_not_fit(string layout, string expected)
    {
        var model = await TestModels.Catalog.ResolveAsync(TestModels.Yolox, layout: layout);

        var error = Assert.Throws<ModelException>(() => ObjectDetector.Create(model));

        Assert.Contains("model 'yolox-nano-coco80'", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public async Task A_wrong_input_shape_in_the_manifest_is_reported_with_both_shapes()
    {
        var folder = VendorFolder(""" "input": { "width": 640, "height": 640 }, """);
        var model = await TestModels.Catalog.ResolveAsync(folder);

        var error = Assert.Throws<ModelException>(() => ObjectDetector.Create(model));

        Assert.Contains("expects input 1x3x640x640 (manifest), but the model declares 1x3x416x416", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_vendor_folder_with_a_bad_hash_is_refused_before_loading()
    {
        var folder = VendorFolder(""" "sha256": "0000000000000000000000000000000000000000000000000000000000000000", """);

        var error = await Assert.ThrowsAsync<ModelException>(() => TestModels.Catalog.ResolveAsync(folder));

        Assert.Contains("model 'vendor'", error.Message, StringComparison.Ordinal);
        Assert.Contains("expected sha256 0000000000000000000000000000000000000000000000000000000000000000", error.Message, StringComparison.Ordinal);
    }

    /// <summary>A vendor-style folder: manifest, labels and the real YOLOX weights beside them.</summary>
    private string VendorFolder(string extraJson)
    {
        var folder = _folder.CreateSubdirectory(Guid.NewGuid().ToString("N")).FullName;
        File.Copy(RepoPaths.SharedFile("models", "yolox-nano-coco80", "yolox_nano.onnx"), Path.Combine(folder, "weights.onnx"));
        File.Copy(RepoPaths.Seeds("models", "yolox-nano-coco80", "labels.txt"), Path.Combine(folder, "labels.txt"));
        File.WriteAllText(Path.Combine(folder, "model.json"), $$"""
            { "name": "vendor", "layout": "yolox", "file": "weights.onnx", {{extraJson}} "labels": "labels.txt" }
            """);
        return folder;
    }

    public void Dispose() => _folder.Delete(recursive: true);
}

[Trait("Category", "Hardware")]
public sealed class V4l2CameraTests
{
    [Fact(Skip = "Needs a V4L2 camera at /dev/video0 on the board")]
    public async Task A_v4l2_camera_delivers_frames()
    {
        await using var vision = VisionHarness.Create(new Dictionary<string, string?>
        {
            ["Cameras:0:Id"] = "usb",
            ["Cameras:0:Url"] = "/dev/video0",
        });
        await vision.StartAsync();

        Assert.True(await VisionHarness.WaitUntilAsync(() => vision.Pipeline.Stats["usb"].FramesAnalysed > 5, TimeSpan.FromSeconds(20)));
    }
}
