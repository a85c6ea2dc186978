using System.Globalization;

namespace EdgeGateway.Supervision.Systemd;

/// <summary>
/// What the service manager asked for, read from the environment systemd sets for a
/// <c>Type=notify</c> unit: where to send notifications (<c>NOTIFY_SOCKET</c>) and how often to
/// ping the watchdog (<c>WATCHDOG_USEC</c>, meant for <c>WATCHDOG_PID</c> when that is set).
/// </summary>
public sealed record NotifySettings(string? Socket, TimeSpan? Watchdog, string? Problem = null)
{
    public const string SocketVariable = "NOTIFY_SOCKET";
    public const string WatchdogUsecVariable = "WATCHDOG_USEC";
    public const string WatchdogPidVariable = "WATCHDOG_PID";

    /// <summary>No notify socket: nothing to tell anyone.</summary>
    public static NotifySettings None { get; } = new(null, null);

    /// <summary>How often to ping: half the watchdog timeout, as sd_watchdog_enabled(3) advises.</summary>
    public TimeSpan? PingInterval => Watchdog / 2;

    public static NotifySettings FromEnvironment() => Parse(Environment.GetEnvironmentVariable, Environment.ProcessId);

    /// <summary>
    /// Reads the variables through <paramref name="variable"/>. A watchdog meant for another
    /// process, or a timeout that is not a positive number of microseconds, means no pings
    /// (with <see cref="Problem"/> saying why); notifications still go to the socket.
    /// </summary>
    public static NotifySettings Parse(Func<string, string?> variable, int processId)
    {
        ArgumentNullException.ThrowIfNull(variable);
        var socket = variable(SocketVariable);
        if (string.IsNullOrEmpty(socket))
        {
            return None;
        }

        var usec = variable(WatchdogUsecVariable);
        if (string.IsNullOrEmpty(usec))
        {
            return new NotifySettings(socket, null);
        }

        if (!ulong.TryParse(usec, NumberStyles.None, CultureInfo.InvariantCulture, out var microseconds) || microseconds == 0
            || microseconds > (ulong)TimeSpan.MaxValue.Ticks / 10)
        {
            return new NotifySettings(socket, null, $"{WatchdogUsecVariable}={usec}: expected a positive number of microseconds; not pinging the watchdog");
        }

        var pid = variable(WatchdogPidVariable);
        if (!string.IsNullOrEmpty(pid)
            && (!int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out var watchedPid) || watchedPid != processId))
        {
            return new NotifySettings(socket, null, $"{WatchdogPidVariable}={pid}: the watchdog is meant for another process (this is {processId.ToString(CultureInfo.InvariantCulture)}); not pinging it");
        }

        return new NotifySettings(socket, TimeSpan.FromTicks((long)microseconds * 10));
    }
}
