using EdgeGateway.Supervision.Retry;
using Microsoft.Extensions.Time.Testing;

namespace EdgeGateway.Supervision.Tests;

[Trait("Category", "Unit")]
public sealed class RetryPolicyTests
{
    private static readonly RetryPolicy Policy = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));

    [Fact]
    public void Each_failure_waits_twice_as_long_up_to_the_cap()
    {
        Assert.Equal([1, 2, 4, 8, 16, 30, 30], Enumerable.Range(1, 7).Select(a => Policy.Delay(a).TotalSeconds));
        Assert.Equal(TimeSpan.FromSeconds(30), Policy.Delay(1_000));
    }

    [Fact]
    public void Jitter_keeps_a_delay_between_half_and_all_of_it()
    {
        var jittered = new RetryPolicy(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), jitter: true);
        Assert.Equal(TimeSpan.FromSeconds(2), jittered.Delay(3, 0));
        Assert.Equal(TimeSpan.FromSeconds(3), jittered.Delay(3, 0.5));
        Assert.All(Enumerable.Range(0, 200).Select(_ => jittered.Delay(3)), d => Assert.InRange(d.TotalSeconds, 2, 4));
        Assert.Equal(TimeSpan.FromSeconds(4), Policy.Delay(3, 0));
    }

    [Fact]
    public async Task A_run_waits_on_its_clock_and_starts_over_after_a_success()
    {
        var time = new FakeTimeProvider();
        var retry = Policy.Start(time);

        var first = retry.FailAndWaitAsync(CancellationToken.None);
        time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.False(first.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(TimeSpan.FromSeconds(1), await first);

        Assert.Equal(TimeSpan.FromSeconds(2), retry.Fail());
        Assert.Equal(2, retry.Attempt);
        retry.Reset();
        Assert.Equal(TimeSpan.FromSeconds(1), retry.Fail());
    }

    [Fact]
    public void Settings_not_yet_validated_slow_retries_down_instead_of_throwing()
    {
        var inverted = RetryPolicy.FromSettings(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(1));
        Assert.Equal([5, 5, 5], Enumerable.Range(1, 3).Select(a => inverted.Delay(a).TotalSeconds));
        Assert.Equal(TimeSpan.FromMilliseconds(1), RetryPolicy.FromSettings(TimeSpan.Zero, TimeSpan.Zero).Delay(1));
    }

    [Fact]
    public void A_cap_below_the_first_delay_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RetryPolicy(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RetryPolicy(TimeSpan.Zero, TimeSpan.FromSeconds(1)));
    }
}
