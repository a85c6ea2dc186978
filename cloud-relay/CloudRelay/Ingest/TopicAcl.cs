using EdgeGateway.Contracts;

namespace CloudRelay.Ingest;

/// <summary>
/// A device may publish and subscribe only under its own <c>{prefix}/{site}/{device}/</c>, and never publish on its
/// <c>config/desired</c>: only the relay speaks there (a device may subscribe to it).
/// </summary>
public static class TopicAcl
{
    public static bool MayPublish(string prefix, string site, string device, string? topic) =>
        topic is not null
        && topic.StartsWith(EdgeTopic.PrefixOf(prefix, site, device), StringComparison.Ordinal)
        && !topic.Contains('+', StringComparison.Ordinal)
        && !topic.Contains('#', StringComparison.Ordinal)
        && topic != EdgeTopic.Format(prefix, site, device, EdgeChannel.ConfigDesired);

    /// <summary>Subscriptions may use wildcards only below the device's own prefix.</summary>
    public static bool MaySubscribe(string prefix, string site, string device, string? filter) =>
        filter is not null && filter.StartsWith(EdgeTopic.PrefixOf(prefix, site, device), StringComparison.Ordinal);
}
