using System.Collections.Concurrent;

namespace CloudRelay.Ingest;

/// <summary>
/// At most one log line per source per minute, so a hostile client cannot fill the disk with our own warnings.
/// The counters in <c>/api/stats</c> still count every event. Sources are forgotten when the table grows large.
/// </summary>
public sealed class LogThrottle(TimeProvider time)
{
    private const int MaxSources = 10_000;
    private static readonly TimeSpan Period = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, long> _last = new(StringComparer.Ordinal);

    public bool ShouldLog(string source)
    {
        var now = time.GetTimestamp();
        if (_last.TryGetValue(source, out var last) && time.GetElapsedTime(last, now) < Period)
        {
            return false;
        }

        if (_last.Count >= MaxSources)
        {
            _last.Clear();
        }

        _last[source] = now;
        return true;
    }
}
