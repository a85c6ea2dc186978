using EdgeGateway.Core.Outbox;

namespace EdgeGateway.Uplink.Mqtt;

/// <summary>
/// The fleet configuration's side of the uplink: desired documents in, reports out, on the same connection as
/// the alerts. The connection is a clean session, so the subscription is made again after every connect.
/// </summary>
public interface IFleetConfigChannel
{
    /// <summary>
    /// Called with each payload received on <c>config/desired</c>, on the connection's receive loop: it must
    /// only hand the payload on. Set before the uplink connects; without it the box does not subscribe.
    /// </summary>
    Action<ReadOnlyMemory<byte>>? DesiredReceived { get; set; }

    /// <summary>Called once the link is up and subscribed, after every connect (re-send what the relay may have missed).</summary>
    Action? Subscribed { get; set; }

    /// <summary>Publishes a report on <c>config/reported</c> (QoS 1); completes on its PUBACK or when the link failed.</summary>
    Task<UplinkSendResult> ReportAsync(ReadOnlyMemory<byte> report, CancellationToken cancellationToken);
}
