using EdgeGateway.Supervision.Systemd;

namespace EdgeGateway.Supervision.Tests;

[Trait("Category", "Unit")]
public sealed class NotifySettingsTests
{
    private const int Pid = 4242;

    private static NotifySettings Parse(params (string Name, string Value)[] variables) =>
        NotifySettings.Parse(name => variables.FirstOrDefault(v => v.Name == name).Value, Pid);

    [Fact]
    public void Without_a_notify_socket_there_is_nothing_to_send()
    {
        var settings = Parse(("WATCHDOG_USEC", "30000000"));
        Assert.Null(settings.Socket);
        Assert.Null(settings.PingInterval);
    }

    [Fact]
    public void The_watchdog_is_pinged_every_half_timeout()
    {
        var settings = Parse(("NOTIFY_SOCKET", "/run/systemd/notify"), ("WATCHDOG_USEC", "30000000"), ("WATCHDOG_PID", "4242"));
        Assert.Equal("/run/systemd/notify", settings.Socket);
        Assert.Equal(TimeSpan.FromSeconds(15), settings.PingInterval);
        Assert.Null(settings.Problem);
    }

    [Fact]
    public void Without_watchdog_usec_only_the_status_is_sent()
    {
        var settings = Parse(("NOTIFY_SOCKET", "@notify"));
        Assert.Equal("@notify", settings.Socket);
        Assert.Null(settings.PingInterval);
        Assert.Null(settings.Problem);
    }

    [Fact]
    public void A_watchdog_meant_for_another_process_is_not_pinged_and_says_why()
    {
        var settings = Parse(("NOTIFY_SOCKET", "/run/systemd/notify"), ("WATCHDOG_USEC", "30000000"), ("WATCHDOG_PID", "17"));
        Assert.Null(settings.PingInterval);
        Assert.Equal("WATCHDOG_PID=17: the watchdog is meant for another process (this is 4242); not pinging it", settings.Problem);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("30s")]
    public void A_bad_timeout_is_one_line_naming_the_value(string usec)
    {
        var settings = Parse(("NOTIFY_SOCKET", "/run/systemd/notify"), ("WATCHDOG_USEC", usec));
        Assert.Null(settings.PingInterval);
        Assert.Equal($"WATCHDOG_USEC={usec}: expected a positive number of microseconds; not pinging the watchdog", settings.Problem);
    }
}
