namespace CloudRelay.Ingest;

/// <summary>A device may publish and subscribe only under its own <c>edge/{site}/{device}/</c>.</summary>
public static class TopicAcl
{
    public static bool MayPublish(string site, string device, string? topic) =>
        topic is not null
        && topic.StartsWith(EdgeTopic.PrefixOf(site, device), StringComparison.Ordinal)
        && !topic.Contains('+', StringComparison.Ordinal)
        && !topic.Contains('#', StringComparison.Ordinal);

    /// <summary>Subscriptions may use wildcards only below the device's own prefix.</summary>
    public static bool MaySubscribe(string site, string device, string? filter) =>
        filter is not null && filter.StartsWith(EdgeTopic.PrefixOf(site, device), StringComparison.Ordinal);
}
