using EdgeGateway.Core.Outbox;

namespace EdgeGateway.Core.Evidence;

/// <summary>The uplink as the evidence uploader sees it: clip pieces and signed manifests, each confirmed by the far end.</summary>
public interface IEvidenceTransport
{
    /// <inheritdoc cref="IUplinkTransport.WaitForConnectionAsync"/>
    Task<int> WaitForConnectionAsync(int afterConnection, CancellationToken cancellationToken);

    /// <summary>Sends one clip piece (<c>clip/{alertId}</c>) and completes when it is confirmed.</summary>
    Task<UplinkSendResult> SendClipPieceAsync(Guid alertId, ReadOnlyMemory<byte> piece, CancellationToken cancellationToken);

    /// <summary>Sends the signed manifest (<c>evidence/{alertId}</c>) and completes when it is confirmed.</summary>
    Task<UplinkSendResult> SendManifestAsync(Guid alertId, ReadOnlyMemory<byte> envelope, CancellationToken cancellationToken);
}
