using EdgeGateway.Core.Vision;
using EdgeGateway.Vision.Detectors;

namespace EdgeGateway.Vision.Tests;

/// <summary>No real YOLOv8 model is available, so the decode runs on constructed output tensors.</summary>
[Trait("Category", "Unit")]
public sealed class Yolov8DecodeTests
{
    private static readonly string[] Labels = ["person", "bicycle", "rat"];

    // Boxes as (cx, cy, w, h, score per class).
    private static readonly float[][] Boxes =
    [
        [100, 100, 40, 80, 0.9f, 0.0f, 0.1f],   // person
        [102, 101, 40, 80, 0.7f, 0.0f, 0.0f],   // same person, weaker: suppressed
        [103, 100, 40, 80, 0.0f, 0.0f, 0.6f],   // a rat at the same place: other class, kept
        [300, 200, 100, 50, 0.0f, 0.85f, 0.0f], // bicycle
        [50, 50, 10, 10, 0.2f, 0.1f, 0.1f],     // below threshold
    ];

    private static float[] Tensor(bool channelsFirst)
    {
        var channels = 4 + Labels.Length;
        var data = new float[channels * Boxes.Length];
        for (var i = 0; i < Boxes.Length; i++)
        {
            for (var c = 0; c < channels; c++)
            {
                data[channelsFirst ? (c * Boxes.Length) + i : (i * channels) + c] = Boxes[i][c];
            }
        }

        return data;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Decodes_boxes_scores_and_labels_with_class_aware_nms(bool channelsFirst)
    {
        var results = new List<Detection>();

        // The letterbox mapping: tensor pixels to source pixels at half scale.
        Yolov8Detector.DecodeOutput(Tensor(channelsFirst), Labels, Boxes.Length, channelsFirst, 0.25f, 0.45f,
            (x1, y1, x2, y2) => new BoxF(x1 * 2, y1 * 2, x2 * 2, y2 * 2), new Nms(), results);

        Assert.Equal(["person", "bicycle", "rat"], results.Select(d => d.Label));
        Assert.Equal(0.9f, results[0].Score);
        Assert.Equal(new BoxF(160, 120, 240, 280), results[0].Box);
        Assert.Equal(new BoxF(500, 350, 700, 450), results[1].Box);
        Assert.Equal(2, results[2].ClassId);
    }
}
