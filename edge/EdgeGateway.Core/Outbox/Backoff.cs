namespace EdgeGateway.Core.Outbox;

/// <summary>Capped exponential backoff with jitter, for reconnects and refused sends.</summary>
public static class Backoff
{
    /// <summary>
    /// The delay before retry number <paramref name="attempt"/> (1 for the first retry):
    /// <c>min(cap, initial·2^(attempt-1))</c>, scaled into [50 %, 100 %] by <paramref name="jitter"/> in [0, 1).
    /// </summary>
    public static TimeSpan Delay(int attempt, TimeSpan initial, TimeSpan cap, double jitter)
    {
        var exponent = Math.Clamp(attempt - 1, 0, 30);
        var raw = Math.Min(cap.TotalMilliseconds, initial.TotalMilliseconds * Math.Pow(2, exponent));
        return TimeSpan.FromMilliseconds(raw * (0.5 + (0.5 * Math.Clamp(jitter, 0, 1))));
    }
}
