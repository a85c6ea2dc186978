namespace EdgeGateway.Vision.Configuration;

/// <summary>A named polygon zone of a camera, in fractions of the frame (0..1), e.g. <c>[[0,0.5],[1,0.5],[1,1],[0,1]]</c>.</summary>
public sealed class ZoneOptions
{
    public string Name { get; set; } = string.Empty;

    public List<double[]> Points { get; set; } = [];

    /// <summary>Even-odd point-in-polygon test with the point in fractions of the frame.</summary>
    public bool Contains(double x, double y)
    {
        var inside = false;
        for (int i = 0, j = Points.Count - 1; i < Points.Count; j = i++)
        {
            double xi = Points[i][0], yi = Points[i][1], xj = Points[j][0], yj = Points[j][1];
            if ((yi > y) != (yj > y) && x < ((xj - xi) * (y - yi) / (yj - yi)) + xi)
            {
                inside = !inside;
            }
        }

        return inside;
    }
}
