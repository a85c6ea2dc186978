using System.Net;
using System.Net.Sockets;

namespace CloudRelay.Ingest;

/// <summary>
/// Failed CONNECTs per remote address in a fixed window (<c>Relay:Limits:FailedConnectsPerAddress</c> within
/// <c>FailedConnectWindow</c>). An address over the limit is refused, good credentials or not, until its window
/// ends, so guessing tokens from one address is slow. Past <c>globalLimit</c> failures from all addresses within
/// the window, every address gets a single failure per window, so rotating addresses buys one guess each.
/// </summary>
/// <remarks>
/// The table holds at most <c>maxEntries</c> addresses; a new one evicts the one whose window started first. The
/// entries are kept in the order their windows started, so each failure costs O(1), never a scan.
/// </remarks>
internal sealed class FailedConnectLimiter(int limit, TimeSpan window, TimeProvider time, int globalLimit = int.MaxValue, int maxEntries = FailedConnectLimiter.MaxEntries)
{
    public const int MaxEntries = 100_000;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, LinkedListNode<Entry>> _byKey = new(StringComparer.Ordinal);

    // Oldest window first: a window (re)starts now, so its entry moves to the end.
    private readonly LinkedList<Entry> _byAge = new();
    private long _globalStarted = time.GetTimestamp();
    private int _globalFailures;

    /// <summary>Addresses (or names) currently tracked.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _byKey.Count;
            }
        }
    }

    /// <summary>True while the failures of all addresses within the window are over the global limit.</summary>
    public bool GlobalLimitReached
    {
        get
        {
            lock (_gate)
            {
                return GlobalOver(time.GetTimestamp());
            }
        }
    }

    public bool IsBlocked(string key)
    {
        lock (_gate)
        {
            var now = time.GetTimestamp();
            if (!_byKey.TryGetValue(key, out var node) || time.GetElapsedTime(node.Value.Started, now) >= window)
            {
                return false;
            }

            return node.Value.Failures >= (GlobalOver(now) ? 1 : limit);
        }
    }

    public void RecordFailure(string key)
    {
        lock (_gate)
        {
            var now = time.GetTimestamp();
            if (time.GetElapsedTime(_globalStarted, now) >= window)
            {
                _globalStarted = now;
                _globalFailures = 0;
            }

            _globalFailures = _globalFailures == int.MaxValue ? int.MaxValue : _globalFailures + 1;
            if (_byKey.TryGetValue(key, out var node))
            {
                if (time.GetElapsedTime(node.Value.Started, now) < window)
                {
                    node.Value.Failures++;
                    return;
                }

                node.Value.Started = now;
                node.Value.Failures = 1;
                _byAge.Remove(node);
                _byAge.AddLast(node);
                return;
            }

            // Ended windows at the front go first; past the cap the oldest live one goes too.
            while (_byAge.First is { } oldest && (time.GetElapsedTime(oldest.Value.Started, now) >= window || _byKey.Count >= maxEntries))
            {
                _byKey.Remove(oldest.Value.Key);
                _byAge.RemoveFirst();
            }

            _byKey[key] = _byAge.AddLast(new Entry(key, now));
        }
    }

    /// <summary>
    /// The key an address is counted under: an IPv6 address by its /64 (one subscriber's network, whose addresses it
    /// may rotate at will), an IPv4 address (also when mapped into IPv6) as itself.
    /// </summary>
    public static string AddressKey(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4().ToString();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes).ToString() + "/64";
    }

    private bool GlobalOver(long now) => _globalFailures >= globalLimit && time.GetElapsedTime(_globalStarted, now) < window;

    private sealed class Entry(string key, long started)
    {
        public string Key { get; } = key;

        public long Started { get; set; } = started;

        public int Failures { get; set; } = 1;
    }
}
