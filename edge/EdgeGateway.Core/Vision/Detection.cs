namespace EdgeGateway.Core.Vision;

/// <summary>One object a detector found: its label, score and box in source-image pixels.</summary>
public readonly record struct Detection(string Label, int ClassId, float Score, BoxF Box);

/// <summary>An axis-aligned box <c>[x1, y1, x2, y2]</c> in pixels.</summary>
public readonly record struct BoxF(float X1, float Y1, float X2, float Y2)
{
    public float Width => MathF.Max(0, X2 - X1);

    public float Height => MathF.Max(0, Y2 - Y1);

    public float Area => Width * Height;

    public float CenterX => (X1 + X2) / 2;

    public float CenterY => (Y1 + Y2) / 2;

    /// <summary>Intersection over union; 0 when either box is empty.</summary>
    public float IoU(BoxF other)
    {
        var ix = MathF.Min(X2, other.X2) - MathF.Max(X1, other.X1);
        var iy = MathF.Min(Y2, other.Y2) - MathF.Max(Y1, other.Y1);
        if (ix <= 0 || iy <= 0)
        {
            return 0;
        }

        var intersection = ix * iy;
        var union = Area + other.Area - intersection;
        return union <= 0 ? 0 : intersection / union;
    }

    public BoxF Scale(float factor) => new(X1 * factor, Y1 * factor, X2 * factor, Y2 * factor);

    public BoxF Clip(float width, float height) =>
        new(Math.Clamp(X1, 0, width), Math.Clamp(Y1, 0, height), Math.Clamp(X2, 0, width), Math.Clamp(Y2, 0, height));
}
