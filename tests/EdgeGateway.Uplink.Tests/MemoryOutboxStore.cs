using EdgeGateway.Core.Outbox;

namespace EdgeGateway.Uplink.Tests;

/// <summary>An in-memory <see cref="IOutboxStore"/> for unit tests of the outbox logic alone.</summary>
internal sealed class MemoryOutboxStore : IOutboxStore
{
    private readonly Dictionary<long, (OutboxEntry Entry, byte[] Payload)> _records = [];
    private Action<OutboxEntry> _written = _ => { };

    public List<(long Id, OutboxRemoval Reason)> Removed { get; } = [];

    public OutboxCounters? SavedCounters { get; private set; }

    /// <summary>The counters saved with the last dead letter.</summary>
    public OutboxCounters? DeadLetterCounters { get; private set; }

    public long DiskBytes => _records.Values.Sum(r => r.Entry.BudgetBytes);

    public OutboxRecovery Open(Action<OutboxEntry> written)
    {
        _written = written;
        return new OutboxRecovery([], 1, OutboxCounters.Empty, []);
    }

    public ValueTask AppendAsync(OutboxEntry entry, ReadOnlyMemory<byte> payload, bool durable, CancellationToken cancellationToken = default)
    {
        lock (_records)
        {
            _records[entry.Id] = (entry, payload.ToArray());
        }

        _written(entry);
        return ValueTask.CompletedTask;
    }

    public ReadOnlyMemory<byte>? ReadPayload(OutboxEntry entry)
    {
        lock (_records)
        {
            return _records.TryGetValue(entry.Id, out var record) ? record.Payload : null;
        }
    }

    public void Remove(IReadOnlyList<long> ids, OutboxRemoval reason)
    {
        lock (_records)
        {
            foreach (var id in ids)
            {
                _records.Remove(id);
                Removed.Add((id, reason));
            }
        }
    }

    public List<(OutboxEntry Entry, string Reason)> DeadLetters { get; } = [];

    public long CapacityBytes { get; set; } = long.MaxValue;

    public bool DiskFull { get; set; }

    public int DeadLetterCount => DeadLetters.Count;

    /// <summary>When set, parking a dead letter throws this (a full disk).</summary>
    public IOException? DeadLetterFailure { get; set; }

    public void DeadLetter(OutboxEntry entry, ReadOnlyMemory<byte> payload, string reason, OutboxCounters counters)
    {
        if (DeadLetterFailure is { } failure)
        {
            throw failure;
        }

        DeadLetters.Add((entry, reason));
        SavedCounters = counters;
        DeadLetterCounters = counters;
        Remove([entry.Id], OutboxRemoval.DeadLettered);
    }

    public void SaveCounters(OutboxCounters counters) => SavedCounters = counters;

    public ValueTask FlushAsync(CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    public void Dispose()
    {
    }
}
