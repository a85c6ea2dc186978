namespace EdgeGateway.Core.Outbox;

/// <summary>
/// The notices the box sends upstream about its own outbox (dead letters, <c>storage_full</c>,
/// evictions, quarantined files), as the send loop sees them: it only says when it starts, when it
/// turns on a live connection and when it parked a record. <see cref="OutboxNotices"/> is the implementation.
/// </summary>
public interface IOutboxNotices
{
    /// <summary>The longest the send loop may go without a turn, so a notice that could not be queued is tried again.</summary>
    TimeSpan RetryInterval { get; }

    /// <summary>At start: quarantined store files and dead letters not yet reported.</summary>
    Task StartAsync(CancellationToken cancellationToken);

    /// <summary>On every turn of the send loop with a live connection.</summary>
    Task ConnectedAsync(int connection, CancellationToken cancellationToken);

    /// <summary>A record has just moved to dead letters.</summary>
    Task DeadLetteredAsync(int connection);
}
