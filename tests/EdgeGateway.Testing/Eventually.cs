namespace EdgeGateway.Testing;

/// <summary>Waiting on a condition with a generous deadline, instead of sleeping and then counting.</summary>
public static class Eventually
{
    /// <summary>Polls until <paramref name="condition"/> holds; throws naming <paramref name="what"/> when the deadline passes.</summary>
    public static async Task HoldsAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out after {timeout.TotalSeconds} s waiting for {what}");
            }

            await Task.Delay(20);
        }
    }
}
