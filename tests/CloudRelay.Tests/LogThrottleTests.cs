using CloudRelay.Ingest;
using Microsoft.Extensions.Time.Testing;

namespace CloudRelay.Tests;

/// <summary>A hostile source gets one log line a minute, however much it sends; other sources are not held back.</summary>
[Trait("Category", "Unit")]
public sealed class LogThrottleTests
{
    [Fact]
    public void One_line_per_source_per_minute_and_each_source_on_its_own()
    {
        var time = new FakeTimeProvider();
        var throttle = new LogThrottle(time);

        Assert.True(throttle.ShouldLog("reject:s1/bad:malformed"));
        Assert.All(Enumerable.Range(0, 1000), _ => Assert.False(throttle.ShouldLog("reject:s1/bad:malformed")));
        Assert.True(throttle.ShouldLog("reject:s1/other:malformed"));
        Assert.True(throttle.ShouldLog("reject:s1/bad:identity_mismatch"));

        time.Advance(TimeSpan.FromSeconds(59));
        Assert.False(throttle.ShouldLog("reject:s1/bad:malformed"));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(throttle.ShouldLog("reject:s1/bad:malformed"));
    }
}
