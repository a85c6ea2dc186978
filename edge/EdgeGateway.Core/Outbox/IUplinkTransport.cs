namespace EdgeGateway.Core.Outbox;

/// <summary>
/// The link upstream, as the send loop sees it. The adapter (MQTT) owns connecting and
/// reconnecting; the send loop only waits for a connection and hands records over.
/// </summary>
public interface IUplinkTransport
{
    /// <summary>
    /// Waits until the link is up on a connection newer than <paramref name="afterConnection"/>
    /// and returns that connection's number (1 for the first). Pass 0 to take any live connection.
    /// </summary>
    Task<int> WaitForConnectionAsync(int afterConnection, CancellationToken cancellationToken);

    /// <summary>
    /// Sends one record and completes when the far end has confirmed it (MQTT: PUBACK), or when
    /// it is clear it will not be confirmed on this connection.
    /// </summary>
    Task<UplinkSendResult> SendAsync(OutboxEntry entry, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken);
}

/// <summary>The outcome of one send.</summary>
public enum UplinkSendOutcome
{
    /// <summary>The far end confirmed it; the record may leave the outbox.</summary>
    Confirmed = 0,

    /// <summary>The link failed before a confirmation; send it again on the next connection.</summary>
    LinkFailed = 1,

    /// <summary>The far end answered but refused it (e.g. not authorised); retry later.</summary>
    Refused = 2,
}

public readonly record struct UplinkSendResult(UplinkSendOutcome Outcome, int Connection, string? Reason = null)
{
    public static UplinkSendResult Confirmed(int connection) => new(UplinkSendOutcome.Confirmed, connection);

    public static UplinkSendResult LinkFailed(int connection, string reason) => new(UplinkSendOutcome.LinkFailed, connection, reason);

    public static UplinkSendResult Refused(int connection, string reason) => new(UplinkSendOutcome.Refused, connection, reason);
}
