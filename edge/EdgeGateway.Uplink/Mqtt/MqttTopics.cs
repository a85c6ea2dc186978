using EdgeGateway.Core.Outbox;

namespace EdgeGateway.Uplink.Mqtt;

/// <summary>
/// The device's topics: <c>{prefix}/{site}/{device}/alert</c>, <c>…/snapshot/{alertId}</c>,
/// <c>…/status</c>, <c>…/telemetry</c>, and the retained birth / last-will topic <c>…/state</c>.
/// </summary>
public sealed class MqttTopics(string prefix, string site, string device)
{
    public string Base { get; } = $"{prefix}/{site}/{device}";

    public string Alert => $"{Base}/alert";

    public string Status => $"{Base}/status";

    public string Telemetry => $"{Base}/telemetry";

    /// <summary>Retained <c>online</c> while connected; the broker sets <c>offline</c> (Last Will) when the link dies.</summary>
    public string State => $"{Base}/state";

    public string Snapshot(Guid alertId) => $"{Base}/snapshot/{alertId:D}";

    public string For(OutboxEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return entry.Class switch
        {
            OutboxClass.Alarm => Alert,
            OutboxClass.Status => Status,
            OutboxClass.Snapshot => Snapshot(entry.AlertId ?? Guid.Empty),
            _ => Telemetry,
        };
    }
}
