using EdgeGateway.Core.Vision;
using EdgeGateway.Testing;
using EdgeGateway.Vision.Detectors;
using OpenCvSharp;

namespace EdgeGateway.Vision.Tests;

/// <summary>Both real models on the shared images must match the independent reference in DATA.md.</summary>
[Trait("Category", "Integration")]
public sealed class GoldenDetectionTests
{
    public static TheoryData<string, string, string> References => new()
    {
        // model, image, expected "label score x1 y1 x2 y2; ..."
        { TestModels.Yolox, "street-bicycle-dog.jpg", "dog 0.855 132.8 206.6 325.7 543.1; bicycle 0.803 51.7 137.2 572.3 423.6; car 0.798 466.3 78.4 692.5 171.3; truck 0.306 464.2 77.6 682.8 172.7" },
        { TestModels.Yolox, "person-with-mask.jpg", "person 0.915 122.7 8.0 461.9 329.2" },
        { TestModels.FaceMask, "crowd-mask-mixed.png", "no_mask 1.000 290.8 98.2 456.1 314.6; no_mask 1.000 25.5 100.1 180.6 315.2; mask 0.993 429.9 172.1 591.1 396.5" },
        { TestModels.FaceMask, "person-with-mask.jpg", "mask 0.995 211.8 51.6 332.9 202.6" },
        { TestModels.FaceMask, "street-bicycle-dog.jpg", "" },
    };

    [Theory]
    [MemberData(nameof(References))]
    public void Detections_match_the_reference(string model, string image, string expected)
    {
        var detector = model == TestModels.Yolox ? TestModels.YoloxDetector : TestModels.FaceMaskDetector;
        using var frame = Cv2.ImRead(RepoPaths.SharedFile("images", image), ImreadModes.Color);
        var detections = new List<Detection>();

        detector.Detect(frame, detections);

        var wanted = Parse(expected);
        Assert.True(wanted.Count == detections.Count,
            $"{model} on {image}: expected {wanted.Count} detections, got {detections.Count}: {Describe(detections)}");
        foreach (var reference in wanted)
        {
            var match = detections
                .Where(d => d.Label == reference.Label)
                .OrderByDescending(d => d.Box.IoU(reference.Box))
                .FirstOrDefault();
            Assert.True(match.Label is not null && match.Box.IoU(reference.Box) >= 0.9f,
                $"{model} on {image}: no {reference.Label} with IoU >= 0.9 to {reference.Box}; got {Describe(detections)}");
            Assert.InRange(match.Score, reference.Score - 0.02f, reference.Score + 0.02f);
        }
    }

    private static List<Detection> Parse(string text) =>
        [.. text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(item =>
        {
            var parts = item.Split(' ');
            var numbers = parts.Skip(1).Select(p => float.Parse(p, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            return new Detection(parts[0], -1, numbers[0], new BoxF(numbers[1], numbers[2], numbers[3], numbers[4]));
        })];

    internal static string Describe(IEnumerable<Detection> detections) =>
        string.Join("; ", detections.Select(d => $"{d.Label} {d.Score:F3} [{d.Box.X1:F1},{d.Box.Y1:F1},{d.Box.X2:F1},{d.Box.Y2:F1}]"));
}
