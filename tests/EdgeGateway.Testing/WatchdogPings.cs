using System.Globalization;

namespace EdgeGateway.Testing;

/// <summary>
/// What systemd would make of a run of <c>WATCHDOG=1</c> pings: it kills the service when a gap reaches the
/// watchdog timeout, so that is the bound; the rate (every half timeout) is judged by the mean gap, which a
/// single ping a busy machine delays barely moves, since pings keep their schedule (a late one shortens the next).
/// </summary>
public static class WatchdogPings
{
    /// <summary>Throws, with every gap, when systemd would have fired or the rate is not every half timeout; else returns a summary line.</summary>
    /// <param name="pings">The pings; the first (at start-up, off the schedule) is not counted in the rate.</param>
    public static string AssertKeptAlive(IReadOnlyList<NotifyMessage> pings, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(pings);
        if (pings.Count < 4)
        {
            throw new InvalidOperationException($"only {pings.Count} WATCHDOG=1 pings; need at least 4 to judge them");
        }

        var gaps = pings.Zip(pings.Skip(1), (a, b) => (b.At - a.At).TotalSeconds).ToList();
        var half = timeout.TotalSeconds / 2;
        var mean = (pings[^1].At - pings[1].At).TotalSeconds / (pings.Count - 2);
        var summary = string.Create(CultureInfo.InvariantCulture,
            $"WATCHDOG_USEC={timeout.TotalMicroseconds:0}: {pings.Count} pings, mean gap {mean:0.000} s from the second, max gap {gaps.Max():0.000} s; gaps {string.Join(" ", gaps.Select(g => g.ToString("0.00", CultureInfo.InvariantCulture)))}");
        if (gaps.Max() >= timeout.TotalSeconds)
        {
            throw new InvalidOperationException($"a gap reached the {timeout.TotalSeconds:0.#} s watchdog timeout: systemd would have killed the service; {summary}");
        }

        if (mean < 0.8 * half || mean > 1.25 * half)
        {
            throw new InvalidOperationException($"pings are not every half timeout ({half:0.#} s, within -20%/+25%); {summary}");
        }

        return summary;
    }
}
