using System.Diagnostics;
using System.Net;
using CloudRelay.Ingest;
using Microsoft.Extensions.Time.Testing;

namespace CloudRelay.Tests;

/// <summary>
/// The failed-login table under a flood: bounded however many addresses an attacker uses, each failure cheap, an IPv6
/// network counted once, and a global brake for an attacker who rotates addresses. Time is a fake clock.
/// </summary>
[Trait("Category", "Unit")]
public sealed class FailedConnectLimiterTests
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    [Fact]
    public void An_address_is_refused_past_its_limit_until_its_window_passes()
    {
        var time = new FakeTimeProvider();
        var limiter = new FailedConnectLimiter(5, Window, time);

        for (var i = 0; i < 5; i++)
        {
            Assert.False(limiter.IsBlocked("203.0.113.7"));
            limiter.RecordFailure("203.0.113.7");
        }

        Assert.True(limiter.IsBlocked("203.0.113.7"));
        Assert.False(limiter.IsBlocked("203.0.113.8"));
        time.Advance(Window - TimeSpan.FromSeconds(1));
        Assert.True(limiter.IsBlocked("203.0.113.7"));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(limiter.IsBlocked("203.0.113.7"));
        limiter.RecordFailure("203.0.113.7");
        Assert.False(limiter.IsBlocked("203.0.113.7"));
    }

    [Fact]
    public void The_table_never_holds_more_than_its_cap_and_the_oldest_address_goes_first()
    {
        var time = new FakeTimeProvider();
        var limiter = new FailedConnectLimiter(3, Window, time, maxEntries: 1000);
        for (var i = 0; i < 3; i++)
        {
            limiter.RecordFailure("first");
        }

        Assert.True(limiter.IsBlocked("first"));
        for (var i = 0; i < 5000; i++)
        {
            limiter.RecordFailure($"10.0.{i / 256}.{i % 256}");
            Assert.True(limiter.Count <= 1000, $"the table holds {limiter.Count} addresses; expected at most 1000");
        }

        Assert.Equal(1000, limiter.Count);
        // The oldest entries made room; the newest are still counted.
        Assert.False(limiter.IsBlocked("first"));
        limiter.RecordFailure("10.0.0.0");
        limiter.RecordFailure("10.0.0.0");
        Assert.False(limiter.IsBlocked("10.0.0.0"));
        limiter.RecordFailure("10.0.19.135");
        limiter.RecordFailure("10.0.19.135");
        Assert.True(limiter.IsBlocked("10.0.19.135"));
    }

    [Fact]
    public void A_failure_costs_the_same_with_a_full_table_as_with_an_empty_one()
    {
        // With a scan per failure (the old table), 20,000 failures against 100,000 live entries took minutes.
        var time = new FakeTimeProvider();
        var full = new FailedConnectLimiter(10, Window, time);
        for (var i = 0; i < FailedConnectLimiter.MaxEntries; i++)
        {
            full.RecordFailure("f" + i);
        }

        var empty = new FailedConnectLimiter(10, Window, time);
        var keys = Enumerable.Range(0, 20_000).Select(i => "n" + i).ToArray();
        var emptyTook = Measure(empty, keys);
        var fullTook = Measure(full, keys);

        Assert.Equal(FailedConnectLimiter.MaxEntries, full.Count);
        // Generous: a scan per failure would be thousands of times slower, not ten.
        Assert.True(fullTook < emptyTook * 10 + TimeSpan.FromMilliseconds(500),
            $"20,000 failures took {fullTook.TotalMilliseconds:F0} ms against a full table, {emptyTook.TotalMilliseconds:F0} ms against an empty one");
    }

    [Theory]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:2:ffff:ee:dd:cc", true)]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:3::1", false)]
    [InlineData("203.0.113.7", "::ffff:203.0.113.7", true)]
    [InlineData("203.0.113.7", "203.0.113.8", false)]
    public void An_ipv6_address_is_counted_by_its_64_and_a_mapped_ipv4_address_as_itself(string first, string second, bool same)
    {
        var time = new FakeTimeProvider();
        var limiter = new FailedConnectLimiter(2, Window, time);

        limiter.RecordFailure(FailedConnectLimiter.AddressKey(IPAddress.Parse(first)));
        limiter.RecordFailure(FailedConnectLimiter.AddressKey(IPAddress.Parse(second)));

        Assert.Equal(same, limiter.IsBlocked(FailedConnectLimiter.AddressKey(IPAddress.Parse(first))));
        Assert.Equal(same ? 1 : 2, limiter.Count);
    }

    [Fact]
    public void Past_the_global_rate_each_address_gets_one_failure_until_the_window_passes()
    {
        var time = new FakeTimeProvider();
        var limiter = new FailedConnectLimiter(10, Window, time, globalLimit: 50);

        for (var i = 0; i < 49; i++)
        {
            limiter.RecordFailure($"rotating-{i}");
        }

        Assert.False(limiter.GlobalLimitReached);
        Assert.False(limiter.IsBlocked("rotating-0"));
        limiter.RecordFailure("rotating-49");

        Assert.True(limiter.GlobalLimitReached);
        Assert.All(Enumerable.Range(0, 50), i => Assert.True(limiter.IsBlocked($"rotating-{i}")));
        // An address that never failed (a device with a good token) is still let in to be checked.
        Assert.False(limiter.IsBlocked("never-failed"));
        time.Advance(Window);
        Assert.False(limiter.GlobalLimitReached);
        Assert.False(limiter.IsBlocked("rotating-0"));
    }

    private static TimeSpan Measure(FailedConnectLimiter limiter, string[] keys)
    {
        var watch = Stopwatch.StartNew();
        foreach (var key in keys)
        {
            limiter.RecordFailure(key);
        }

        return watch.Elapsed;
    }
}
