using System.Buffers;
using EdgeGateway.Core.Outbox;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeGateway.Uplink.Mqtt;

/// <summary>Evidence on the same connection as the outbox: clip pieces on <c>clip/{alertId}</c>, signed manifests on <c>evidence/{alertId}</c>.</summary>
public sealed partial class MqttUplinkTransport
{
    public Task<UplinkSendResult> SendClipPieceAsync(Guid alertId, ReadOnlyMemory<byte> piece, CancellationToken cancellationToken) =>
        PublishConfirmedAsync(() => EvidenceMessage(_topics.Clip(alertId), piece, "application/vnd.edgegw.clip-piece"), cancellationToken);

    public Task<UplinkSendResult> SendManifestAsync(Guid alertId, ReadOnlyMemory<byte> envelope, CancellationToken cancellationToken) =>
        PublishConfirmedAsync(() => EvidenceMessage(_topics.Evidence(alertId), envelope, "application/json"), cancellationToken);

    private static MqttApplicationMessage EvidenceMessage(string topic, ReadOnlyMemory<byte> payload, string contentType) =>
        new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(new ReadOnlySequence<byte>(payload))
            .WithContentType(contentType)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
}
