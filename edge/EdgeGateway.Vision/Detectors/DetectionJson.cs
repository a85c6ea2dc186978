using System.Text;
using System.Text.Json;
using EdgeGateway.Core.Vision;

namespace EdgeGateway.Vision.Detectors;

/// <summary>The one-line JSON that <c>edgegw detect</c> prints per image.</summary>
public static class DetectionJson
{
    /// <summary><c>{"image":"…","detections":[{"label":"dog","score":0.855,"box":[x1,y1,x2,y2]}]}</c>, boxes in source pixels.</summary>
    public static string Line(string image, IReadOnlyList<Detection> detections)
    {
        ArgumentNullException.ThrowIfNull(detections);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("image", image);
            json.WriteStartArray("detections");
            foreach (var detection in detections)
            {
                json.WriteStartObject();
                json.WriteString("label", detection.Label);
                json.WriteNumber("score", Math.Round(detection.Score, 3));
                json.WriteStartArray("box");
                json.WriteNumberValue(Math.Round(detection.Box.X1, 1));
                json.WriteNumberValue(Math.Round(detection.Box.Y1, 1));
                json.WriteNumberValue(Math.Round(detection.Box.X2, 1));
                json.WriteNumberValue(Math.Round(detection.Box.Y2, 1));
                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
