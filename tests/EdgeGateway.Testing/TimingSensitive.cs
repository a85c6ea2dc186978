namespace EdgeGateway.Testing;

/// <summary>
/// Tests that measure real intervals (watchdog pings against systemd's deadline) run alone, after the
/// parallel ones, so a neighbour's browser or video decoding cannot stretch the intervals they measure.
/// Each test project declares the collection with <c>DisableParallelization = true</c> under this name.
/// </summary>
public static class TimingSensitive
{
    public const string Name = "timing-sensitive";
}
