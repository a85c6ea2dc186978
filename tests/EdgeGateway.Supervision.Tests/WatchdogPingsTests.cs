using EdgeGateway.Testing;

namespace EdgeGateway.Supervision.Tests;

/// <summary>The yardstick the systemd ping tests measure with: it fails where systemd would act, and only there.</summary>
[Trait("Category", "Unit")]
public sealed class WatchdogPingsTests
{
    private static readonly TimeSpan WatchdogTimeout = TimeSpan.FromSeconds(4);

    [Fact]
    public void A_ping_a_busy_machine_delayed_by_almost_the_whole_half_timeout_keeps_the_service_alive()
    {
        // Every 2 s, one of them 1.9 s late: a gap of 3.9 s, then 0.1 s, as pings that keep their schedule do.
        var pings = Pings(0, 0.5, 2.5, 4.5, 8.4, 8.5, 10.5, 12.5);

        var summary = WatchdogPings.AssertKeptAlive(pings, WatchdogTimeout);

        Assert.Contains("max gap 3.900 s", summary, StringComparison.Ordinal);
    }

    [Fact]
    public void A_gap_reaching_the_timeout_fails_as_systemd_would_kill_the_service()
    {
        var pings = Pings(0, 0.5, 2.5, 6.5, 8.5, 10.5);

        var error = Assert.Throws<InvalidOperationException>(() => WatchdogPings.AssertKeptAlive(pings, WatchdogTimeout));

        Assert.Contains("a gap reached the 4 s watchdog timeout", error.Message, StringComparison.Ordinal);
        Assert.Contains("gaps 0.50 2.00 4.00 2.00 2.00", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1.0)] // twice the rate: a burst
    [InlineData(3.0)] // well under it, though never reaching the timeout
    public void Pings_at_another_rate_than_every_half_timeout_fail(double every)
    {
        var pings = Pings([0, .. Enumerable.Range(0, 8).Select(i => 0.5 + (i * every))]);

        var error = Assert.Throws<InvalidOperationException>(() => WatchdogPings.AssertKeptAlive(pings, WatchdogTimeout));

        Assert.Contains("pings are not every half timeout", error.Message, StringComparison.Ordinal);
    }

    private static List<NotifyMessage> Pings(params double[] seconds) =>
        [.. seconds.Select(s => new NotifyMessage(TimeSpan.FromSeconds(s), "WATCHDOG=1"))];
}
