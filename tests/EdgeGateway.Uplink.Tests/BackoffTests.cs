using EdgeGateway.Supervision.Retry;

namespace EdgeGateway.Uplink.Tests;

[Trait("Category", "Unit")]
public sealed class BackoffTests
{
    [Theory]
    [InlineData(1, 0.0, 250)]
    [InlineData(1, 0.999, 500)]
    [InlineData(3, 0.999, 2000)]
    [InlineData(10, 0.999, 30_000)]
    [InlineData(40, 0.0, 15_000)]
    public void Doubles_per_attempt_up_to_the_cap_with_jitter_between_half_and_full(int attempt, double jitter, double expectedMs)
    {
        var delay = new RetryPolicy(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30), jitter: true).Delay(attempt, jitter);
        Assert.InRange(delay.TotalMilliseconds, expectedMs * 0.99, expectedMs * 1.01);
    }
}
