using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace CloudRelay.Ingest;

/// <summary>
/// One connection's alerts that are queued for storage and whose PUBACK has not gone out yet, by packet
/// identifier. A client reuses an identifier only after its PUBACK, so the key is unambiguous.
/// </summary>
internal sealed class PendingAcks
{
    private readonly ConcurrentDictionary<ushort, Task<IngestResult>> _byPacket = new();
    private int _closing;

    /// <summary>
    /// Whether the inbound hook queued the publish that is being handled now. The inbound hook and the publish
    /// hook run one after the other on the connection's receive loop, so a plain field is enough.
    /// </summary>
    public bool CurrentWasAdmitted { get; set; }

    public void Add(ushort packetIdentifier, Task<IngestResult> outcome) => _byPacket[packetIdentifier] = outcome;

    public bool TryTake(ushort packetIdentifier, [NotNullWhen(true)] out Task<IngestResult>? outcome) =>
        _byPacket.TryRemove(packetIdentifier, out outcome);

    /// <summary>True for the first caller only: a failed store closes the connection once.</summary>
    public bool TryStartClosing() => Interlocked.Exchange(ref _closing, 1) == 0;

    public bool TakeCurrentWasAdmitted()
    {
        var admitted = CurrentWasAdmitted;
        CurrentWasAdmitted = false;
        return admitted;
    }
}
