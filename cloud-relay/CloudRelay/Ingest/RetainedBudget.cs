using System.Collections.Concurrent;

namespace CloudRelay.Ingest;

/// <summary>
/// The retained topics each device has on the embedded broker (<c>Relay:Limits:MaxRetainedPerDevice</c>). Replacing
/// or clearing (empty payload) an existing retained topic is always allowed; a new one only below the cap.
/// </summary>
internal sealed class RetainedBudget(int maxPerDevice)
{
    private readonly ConcurrentDictionary<string, HashSet<string>> _byDevice = new(StringComparer.Ordinal);

    public bool TryKeep(string device, string topic, bool clearing)
    {
        var topics = _byDevice.GetOrAdd(device, _ => new HashSet<string>(StringComparer.Ordinal));
        lock (topics)
        {
            if (clearing)
            {
                topics.Remove(topic);
                return true;
            }

            if (topics.Contains(topic) || topics.Count < maxPerDevice)
            {
                topics.Add(topic);
                return true;
            }

            return false;
        }
    }
}
