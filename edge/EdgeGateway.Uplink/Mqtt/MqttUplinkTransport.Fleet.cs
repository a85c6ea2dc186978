using System.Buffers;
using EdgeGateway.Core.Outbox;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeGateway.Uplink.Mqtt;

/// <summary>Fleet configuration on the same connection as the outbox: <c>config/desired</c> in, <c>config/reported</c> out.</summary>
public sealed partial class MqttUplinkTransport : IFleetConfigChannel
{
    public Action<ReadOnlyMemory<byte>>? DesiredReceived { get; set; }

    public Action? Subscribed { get; set; }

    public Task<UplinkSendResult> ReportAsync(ReadOnlyMemory<byte> report, CancellationToken cancellationToken) =>
        PublishConfirmedAsync(() => new MqttApplicationMessageBuilder()
            .WithTopic(_topics.ConfigReported)
            .WithPayload(new ReadOnlySequence<byte>(report))
            .WithContentType("application/json")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build(), cancellationToken);

    /// <summary>Subscribes to the device's own desired configuration; a refusal (an ACL) is logged and the alerts go on.</summary>
    private async Task SubscribeDesiredAsync(CancellationToken cancellationToken)
    {
        if (DesiredReceived is null)
        {
            return;
        }

        var result = await _client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(_topics.ConfigDesired, MqttQualityOfServiceLevel.AtLeastOnce)
            .Build(), cancellationToken).ConfigureAwait(false);
        var code = result.Items.Count > 0 ? result.Items.First().ResultCode : MqttClientSubscribeResultCode.UnspecifiedError;
        if (code > MqttClientSubscribeResultCode.GrantedQoS2)
        {
            Log.SubscribeRefused(_logger, _topics.ConfigDesired, code.ToString());
        }
    }

    private Task OnMessageReceivedAsync(MqttApplicationMessageReceivedEventArgs args)
    {
        if (args.ApplicationMessage.Topic == _topics.ConfigDesired && DesiredReceived is { } received)
        {
            received(args.ApplicationMessage.Payload.ToArray());
        }

        return Task.CompletedTask;
    }
}
