using System.Collections.Concurrent;

namespace CloudRelay.Ingest;

/// <summary>
/// Failed CONNECTs per remote address in a fixed window (<c>Relay:Limits:FailedConnectsPerAddress</c> within
/// <c>FailedConnectWindow</c>). An address over the limit is refused, good credentials or not, until its window
/// ends, so guessing tokens from one address is slow. The table is bounded.
/// </summary>
internal sealed class FailedConnectLimiter(int limit, TimeSpan window, TimeProvider time)
{
    private const int MaxAddresses = 100_000;
    private readonly ConcurrentDictionary<string, Window> _byAddress = new(StringComparer.Ordinal);

    public bool IsBlocked(string address) =>
        _byAddress.TryGetValue(address, out var entry) && entry.Failures >= limit && time.GetElapsedTime(entry.Started) < window;

    public void RecordFailure(string address)
    {
        if (_byAddress.Count >= MaxAddresses)
        {
            foreach (var (key, value) in _byAddress)
            {
                if (time.GetElapsedTime(value.Started) >= window)
                {
                    _byAddress.TryRemove(key, out _);
                }
            }
        }

        var now = time.GetTimestamp();
        _byAddress.AddOrUpdate(address, _ => new Window(now, 1),
            (_, current) => time.GetElapsedTime(current.Started, now) >= window ? new Window(now, 1) : current with { Failures = current.Failures + 1 });
    }

    private readonly record struct Window(long Started, int Failures);
}
