namespace EdgeGateway.Core.Outbox;

/// <summary>
/// Decides which records are poison: the rules of the Uplink README, with no transport, no clock and
/// no I/O. The send loop tells it what it sent (in ticket order) and what each send came to; it
/// answers which records go to dead letters, which wait aside and which are sent alone. Thread-safe.
/// </summary>
/// <remarks>
/// A record is poison when
/// <list type="bullet">
/// <item>the broker refuses it once and confirms a record sent after it (the refusal is about this
/// record, not the broker). While that answer is pending the record is held aside. More than
/// <see cref="MaxSingledOut"/> refusals in a row with no later record confirmed mean the broker
/// refuses everything: nothing is poison then;</item>
/// <item>or the connection drops <see cref="DropsBeforeDeadLetter"/> times while it is the oldest
/// unconfirmed record, the last time with it alone on the wire.</item>
/// </list>
/// </remarks>
public sealed class PoisonJudge
{
    /// <summary>Drops with the record the oldest unconfirmed before it is dead-lettered (the last of them with it alone on the wire).</summary>
    public const int DropsBeforeDeadLetter = 2;

    /// <summary>Records refused in a row, with no record sent after them confirmed, up to which the refusals single them out as poison.</summary>
    public const int MaxSingledOut = 2;

    private readonly Lock _gate = new();
    private readonly Dictionary<long, Held> _held = [];
    private readonly Dictionary<long, int> _drops = [];
    private long _tickets;
    private long _maxConfirmedTicket;
    private DropCandidate? _dropCandidate;
    private int _judgedConnection;

    /// <summary>Send order: the broker answers a connection's sends in this order (MQTT acknowledges QoS 1 in order).</summary>
    public long NextTicket() => Interlocked.Increment(ref _tickets);

    /// <summary>
    /// The broker confirmed the record sent with <paramref name="ticket"/>: it takes records, so the
    /// held records sent before it are the ones it refuses. Returns those, to dead-letter.
    /// </summary>
    public IReadOnlyList<PoisonVerdict> Confirmed(long id, long ticket)
    {
        lock (_gate)
        {
            _drops.Remove(id);
            _maxConfirmedTicket = Math.Max(_maxConfirmedTicket, ticket);
            if (_held.Count == 0)
            {
                return [];
            }

            var condemned = _held.Values.Where(h => h.Ticket < ticket).ToList();
            foreach (var held in condemned)
            {
                _held.Remove(held.Entry.Id);
            }

            return [.. condemned.Select(h => new PoisonVerdict(h.Entry, RefusedReason(h.Reason)))];
        }
    }

    /// <summary>The broker refused the record sent with <paramref name="ticket"/>.</summary>
    public RefusalVerdict Refused(OutboxEntry entry, long ticket, string reason)
    {
        ArgumentNullException.ThrowIfNull(entry);
        lock (_gate)
        {
            // Already answered: a record sent after this one was confirmed.
            if (ticket < _maxConfirmedTicket)
            {
                return new RefusalVerdict(RefusalKind.Poison, RefusedReason(reason), []);
            }

            _held[entry.Id] = new Held(entry, ticket, reason);
            if (_held.Count <= MaxSingledOut)
            {
                return new RefusalVerdict(RefusalKind.HeldAside, null, []);
            }

            OutboxEntry[] released = [.. _held.Values.Select(h => h.Entry)];
            _held.Clear();
            return new RefusalVerdict(RefusalKind.RefusesEverything, null, released);
        }
    }

    /// <summary>No answer came for a held record in time: returns it to be sent again, unless it was judged meanwhile.</summary>
    public OutboxEntry? Release(long id, long ticket)
    {
        lock (_gate)
        {
            if (_held.TryGetValue(id, out var found) && found.Ticket == ticket)
            {
                _held.Remove(id);
                return found.Entry;
            }

            return null;
        }
    }

    /// <summary>
    /// Notes a record the link dropped before confirming. Of one connection's dropped records, the
    /// one sent first is the oldest the broker had not confirmed when the link went: the one whose
    /// PUBLISH the drop followed. It gets the strike, once the connection is judged.
    /// </summary>
    public void Dropped(int connection, long ticket, long id)
    {
        if (connection <= 0)
        {
            return;
        }

        lock (_gate)
        {
            if (connection <= _judgedConnection)
            {
                return;
            }

            if (_dropCandidate is { } candidate && candidate.Connection != connection)
            {
                JudgeLocked(candidate);
            }

            if (_dropCandidate is not { } current || current.Connection != connection || ticket < current.Ticket)
            {
                _dropCandidate = new DropCandidate(connection, ticket, id);
            }
        }
    }

    /// <summary>On a newer connection, every record of the dropped one has come back: strike the oldest.</summary>
    public void NewConnection(int connection)
    {
        lock (_gate)
        {
            if (_dropCandidate is { } candidate && candidate.Connection < connection)
            {
                JudgeLocked(candidate);
            }
        }
    }

    /// <summary>True when the record must go alone on the wire: the link dropped with it the oldest unconfirmed.</summary>
    public bool MustSendAlone(long id)
    {
        lock (_gate)
        {
            return _drops.Count > 0 && _drops.GetValueOrDefault(id) >= DropsBeforeDeadLetter - 1;
        }
    }

    /// <summary>
    /// The link dropped right after the record was sent alone. Returns the verdict when that was its
    /// last chance, else null (send it again).
    /// </summary>
    public PoisonVerdict? DroppedAlone(OutboxEntry entry, string reason)
    {
        ArgumentNullException.ThrowIfNull(entry);
        lock (_gate)
        {
            var drops = _drops.GetValueOrDefault(entry.Id) + 1;
            _drops[entry.Id] = drops;
            return drops >= DropsBeforeDeadLetter
                ? new PoisonVerdict(entry, $"the connection dropped {DropsBeforeDeadLetter} times right after sending it, the last time with nothing else in flight: {reason}")
                : null;
        }
    }

    /// <summary>The record left for dead letters: its strikes are no longer needed.</summary>
    public void Forget(long id)
    {
        lock (_gate)
        {
            _drops.Remove(id);
        }
    }

    private static string RefusedReason(string reason) => $"refused by the broker: {reason}";

    private void JudgeLocked(DropCandidate candidate)
    {
        _drops[candidate.Id] = _drops.GetValueOrDefault(candidate.Id) + 1;
        _judgedConnection = Math.Max(_judgedConnection, candidate.Connection);
        _dropCandidate = null;
    }

    private sealed record Held(OutboxEntry Entry, long Ticket, string Reason);

    private readonly record struct DropCandidate(int Connection, long Ticket, long Id);
}

/// <summary>A record judged poison, with the reason its dead letter keeps.</summary>
public sealed record PoisonVerdict(OutboxEntry Entry, string Reason);

public enum RefusalKind
{
    /// <summary>Held aside until a later record's answer shows whether the broker takes others.</summary>
    HeldAside = 0,

    /// <summary>A record sent after it was already confirmed: dead-letter it.</summary>
    Poison = 1,

    /// <summary>Too many refusals in a row: the broker refuses everything; send the released records again after a backoff.</summary>
    RefusesEverything = 2,
}

/// <summary>What a refusal came to: for <see cref="RefusalKind.Poison"/> the dead letter's reason, for <see cref="RefusalKind.RefusesEverything"/> the records held until now.</summary>
public sealed record RefusalVerdict(RefusalKind Kind, string? Reason, IReadOnlyList<OutboxEntry> Released);
