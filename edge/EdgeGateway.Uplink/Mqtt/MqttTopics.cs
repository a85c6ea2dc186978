using EdgeGateway.Core.Outbox;

namespace EdgeGateway.Uplink.Mqtt;

/// <summary>
/// The device's topics: <c>{prefix}/{site}/{device}/alert</c>, <c>…/snapshot/{alertId}</c>,
/// <c>…/status</c>, <c>…/telemetry</c>, <c>…/health</c>, the retained birth / last-will topic <c>…/state</c>, and the fleet
/// configuration's <c>…/config/desired</c> (read) and <c>…/config/reported</c>.
/// </summary>
/// <remarks>Formatted by the contract's <see cref="EdgeTopic"/>, the same type the relay parses with.</remarks>
public sealed class MqttTopics(string prefix, string site, string device)
{
    public string Base { get; } = EdgeTopic.PrefixOf(prefix, site, device).TrimEnd('/');

    public string Alert { get; } = EdgeTopic.Format(prefix, site, device, EdgeChannel.Alert);

    public string Status { get; } = EdgeTopic.Format(prefix, site, device, EdgeChannel.Status);

    public string Telemetry { get; } = EdgeTopic.Format(prefix, site, device, EdgeChannel.Telemetry);

    /// <summary>The box's health report (<see cref="EdgeGateway.Contracts.Telemetry.HealthReport"/>).</summary>
    public string Health { get; } = EdgeTopic.Format(prefix, site, device, EdgeChannel.Health);

    /// <summary>Retained <c>online</c> while connected; the broker sets <c>offline</c> (Last Will) when the link dies.</summary>
    public string State { get; } = EdgeTopic.Format(prefix, site, device, EdgeChannel.State);

    /// <summary>The relay's desired configuration for this device; the device subscribes to it.</summary>
    public string ConfigDesired { get; } = EdgeTopic.Format(prefix, site, device, EdgeChannel.ConfigDesired);

    /// <summary>What the device did with its desired configuration.</summary>
    public string ConfigReported { get; } = EdgeTopic.Format(prefix, site, device, EdgeChannel.ConfigReported);

    public string Snapshot(Guid alertId) => EdgeTopic.Format(prefix, site, device, EdgeChannel.Snapshot, alertId);

    public string Clip(Guid alertId) => EdgeTopic.Format(prefix, site, device, EdgeChannel.Clip, alertId);

    public string Evidence(Guid alertId) => EdgeTopic.Format(prefix, site, device, EdgeChannel.Evidence, alertId);

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
