using EdgeGateway.Core.Outbox;

namespace EdgeGateway.Uplink.Mqtt;

/// <summary>
/// The health report's side of the uplink: the link's own numbers in, reports out on <c>…/health</c>, on the same
/// connection as the alerts. The report goes past the outbox (only the latest is worth sending), so the reporter
/// decides when it may go; this only publishes it.
/// </summary>
public interface IHealthChannel
{
    /// <summary>Whether the link is up now.</summary>
    bool IsConnected { get; }

    /// <summary>Connections made since start (1 after the first); reconnects are this less one.</summary>
    int Connections { get; }

    /// <summary>Publish to PUBACK of the last confirmed or refused publish, or null before the first.</summary>
    TimeSpan? LastRoundTrip { get; }

    /// <summary>Waits for a live connection newer than <paramref name="afterConnection"/> (0: any) and returns its number.</summary>
    Task<int> WaitForConnectionAsync(int afterConnection, CancellationToken cancellationToken);

    /// <summary>Publishes a report on <c>…/health</c> (QoS 1); completes on its PUBACK or when the link failed.</summary>
    Task<UplinkSendResult> PublishHealthAsync(ReadOnlyMemory<byte> report, CancellationToken cancellationToken);
}
