namespace EdgeGateway.Elevator.Hardware;

/// <summary>
/// The car's horizontal vibration: the RMS of the MPU-6050's X and Y accelerations about their mean over a
/// sliding window (<c>Elevator:VibrationWindow</c>), so a tilted mounting reads as no vibration.
/// </summary>
public sealed class VibrationMeter(TimeSpan window)
{
    private readonly Queue<(double T, double X, double Y)> _samples = new();
    private double _sumX, _sumY, _sumX2, _sumY2;

    /// <summary>Adds one reading at <paramref name="t"/> seconds; returns the RMS in m/s² over the window.</summary>
    public double Add(double t, double x, double y)
    {
        if (!double.IsFinite(x) || !double.IsFinite(y))
        {
            return Rms();
        }

        _samples.Enqueue((t, x, y));
        (_sumX, _sumY, _sumX2, _sumY2) = (_sumX + x, _sumY + y, _sumX2 + (x * x), _sumY2 + (y * y));
        while (_samples.Count > 1 && t - _samples.Peek().T > window.TotalSeconds)
        {
            var (_, ox, oy) = _samples.Dequeue();
            (_sumX, _sumY, _sumX2, _sumY2) = (_sumX - ox, _sumY - oy, _sumX2 - (ox * ox), _sumY2 - (oy * oy));
        }

        return Rms();
    }

    private double Rms()
    {
        var n = _samples.Count;
        if (n < 2)
        {
            return 0;
        }

        var meanX = _sumX / n;
        var meanY = _sumY / n;
        var variance = (_sumX2 / n) - (meanX * meanX) + (_sumY2 / n) - (meanY * meanY);
        return Math.Sqrt(Math.Max(0, variance));
    }
}
