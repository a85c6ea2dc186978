using System.Net;
using System.Security.Cryptography.X509Certificates;
using CloudRelay.Devices;
using CloudRelay.Hosting;
using CloudRelay.Storage;
using CloudRelay.Tls;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace CloudRelay.Ingest;

/// <summary>
/// Embedded mode: an in-process MQTTnet broker. Devices authenticate with their token (or client
/// certificate), may touch only their own <c>edge/{site}/{device}/</c>, and an alert's PUBACK is sent only
/// after the alert is durable.
/// </summary>
/// <remarks>
/// MQTTnet handles one inbound publish per connection at a time. Were the commit awaited there, a device could
/// have only one alert in each commit. Instead a QoS 1 alert is decoded and queued when it arrives (inbound
/// packet hook), the broker queues its PUBACK at once, and the PUBACK is held in the connection's send loop
/// (outbound packet hook) until the commit holding that alert is done. PUBACKs still leave in order, each
/// only once its own alert is stored; if storing fails the PUBACK is dropped and the connection closed, so
/// the device sends again.
/// </remarks>
public sealed partial class EmbeddedBroker(
    AlertIngestor ingestor,
    DeviceRegistry devices,
    RelayCounters counters,
    IOptions<RelayOptions> options,
    ILogger<EmbeddedBroker> logger) : IHostedService, IAsyncDisposable
{
    private const string DeviceItem = "cloud-relay.device";
    private const string AcksItem = "cloud-relay.acks";
    private MqttServer? _server;
    private X509Certificate2? _certificate;

    /// <summary>The MQTTnet server, once started (for tests and hosts that inspect sessions).</summary>
    public MqttServer? Server => _server;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var mqtt = options.Value.Mqtt;
        var factory = new MqttServerFactory();
        var builder = factory.CreateServerOptionsBuilder().WithPersistentSessions(false);
        _certificate = RelayTls.LoadCertificate(options.Value);
        var plaintext = mqtt.AllowPlaintext && mqtt.Port > 0;
        var plainAddress = RelayTls.PlaintextAddress(mqtt);
        if (plaintext)
        {
            var (v4, v6) = RelayTls.ListenerAddresses(plainAddress);
            builder.WithDefaultEndpoint().WithDefaultEndpointBoundIPAddress(v4).WithDefaultEndpointBoundIPV6Address(v6).WithDefaultEndpointPort(mqtt.Port);
        }
        else
        {
            // MQTTnet enables its plain endpoint unless told otherwise.
            builder.WithoutDefaultEndpoint();
        }

        if (_certificate is not null)
        {
            var (v4, v6) = RelayTls.ListenerAddresses(IPAddress.Parse(mqtt.TlsBindAddress));
            builder.WithEncryptedEndpoint()
                .WithEncryptedEndpointBoundIPAddress(v4)
                .WithEncryptedEndpointBoundIPV6Address(v6)
                .WithEncryptedEndpointPort(mqtt.TlsPort)
                .WithEncryptionCertificate(_certificate)
                .WithEncryptionSslProtocol(System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13)
                // Ask for a client certificate; the registry decides whose it is by thumbprint.
                .WithClientCertificate(ClientCertificateInDate, checkCertificateRevocation: false);
        }

        _server = factory.CreateMqttServer(builder.Build());
        _server.ValidatingConnectionAsync += ValidateConnectionAsync;
        _server.InterceptingInboundPacketAsync += AdmitAlertAsync;
        _server.InterceptingPublishAsync += InterceptPublishAsync;
        _server.InterceptingOutboundPacketAsync += HoldAckUntilStoredAsync;
        _server.InterceptingSubscriptionAsync += InterceptSubscriptionAsync;
        _server.ClientDisconnectedAsync += ClientDisconnectedAsync;
        await _server.StartAsync();
        if (_certificate is not null)
        {
            var fingerprint = _certificate.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256);
            Log.TlsStarted(logger, mqtt.TlsBindAddress, mqtt.TlsPort, _certificate.Subject, fingerprint);
        }
        else
        {
            Log.PlaintextOnly(logger);
        }

        if (plaintext)
        {
            Log.PlaintextStarted(logger, plainAddress.ToString(), mqtt.Port);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is { IsStarted: true } server)
        {
            await server.StopAsync(new MqttServerStopOptions());
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await StopAsync(CancellationToken.None);
            _server.Dispose();
            _server = null;
        }

        _certificate?.Dispose();
    }

    private async Task ValidateConnectionAsync(ValidatingConnectionEventArgs e)
    {
        try
        {
            DeviceRecord? device = null;
            if (e.ClientCertificate is { } certificate)
            {
                device = await devices.AuthenticateAsync(certificate, e.CancellationToken);
            }

            if (device is null && !string.IsNullOrEmpty(e.UserName))
            {
                device = await devices.AuthenticateAsync(e.UserName, e.Password, e.CancellationToken);
            }

            if (device is null)
            {
                counters.CountAuthFailure();
                // No username: nothing to be wrong about, the client (or its certificate) is simply not known.
                e.ReasonCode = string.IsNullOrEmpty(e.UserName)
                    ? MqttConnectReasonCode.NotAuthorized
                    : MqttConnectReasonCode.BadUserNameOrPassword;
                // The username is not secret and helps the installer; the password never appears.
                Log.ConnectRefused(logger, e.ClientId, e.UserName ?? "(none)", e.RemoteEndPoint?.ToString() ?? "?");
                return;
            }

            e.SessionItems[DeviceItem] = device;
            e.SessionItems[AcksItem] = new PendingAcks();
            e.ReasonCode = MqttConnectReasonCode.Success;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            e.ReasonCode = MqttConnectReasonCode.ServerUnavailable;
            Log.ConnectFailed(logger, e.ClientId, ex.Message);
        }
    }

    private async Task InterceptPublishAsync(InterceptingPublishEventArgs e)
    {
        var message = e.ApplicationMessage;
        if (e.SessionItems[DeviceItem] is not DeviceRecord device)
        {
            // Only messages the server makes itself (none today) come without a device.
            return;
        }

        if (!TryOwnTopic(device, message.Topic, out var topic))
        {
            counters.CountReject(RejectReasons.NotAuthorized);
            Log.AclDenied(logger, device.Key, message.Topic);
            e.ProcessPublish = false;
            e.Response.ReasonCode = MqttPubAckReasonCode.NotAuthorized;
            e.Response.ReasonString = $"{device.Key} may publish only under {EdgeTopic.PrefixOf(device.Site, device.Device)}";
            return;
        }

        try
        {
            switch (topic.Channel)
            {
                case EdgeChannel.Alert when e.SessionItems[AcksItem] is PendingAcks acks && acks.TakeCurrentWasAdmitted():
                    // Already queued by the inbound hook; the reason code is set when its PUBACK goes out.
                    e.ProcessPublish = false;
                    e.Response.ReasonCode = MqttPubAckReasonCode.Success;
                    break;
                case EdgeChannel.Alert:
                    await HandleAlertAsync(e, topic);
                    break;
                case EdgeChannel.State:
                    // Recorded in the registry; nobody subscribes here, and a plain Success PUBACK keeps any
                    // client from reading "no matching subscribers" as a failure.
                    await ingestor.HandleStateAsync(topic, message.Payload, e.CancellationToken);
                    e.ProcessPublish = false;
                    break;
                case EdgeChannel.Status or EdgeChannel.Telemetry:
                    await ingestor.HandleActivityAsync(topic, e.CancellationToken);
                    e.ProcessPublish = false;
                    break;
                case EdgeChannel.Snapshot:
                    e.ProcessPublish = false;
                    if (!await ingestor.HandleSnapshotAsync(topic, message.Payload, e.CancellationToken))
                    {
                        e.Response.ReasonCode = MqttPubAckReasonCode.TopicNameInvalid;
                    }

                    break;
                default:
                    break;
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Whatever went wrong, this message is not acknowledged; the device sends it again.
            counters.CountStoreFailure();
            Log.PublishFailed(logger, device.Key, message.Topic, ex.Message);
            e.ProcessPublish = false;
            e.CloseConnection = true;
        }
    }

    /// <summary>The ACL: a device may publish only on a well-formed topic under its own <c>edge/{site}/{device}/</c>.</summary>
    private static bool TryOwnTopic(DeviceRecord device, string? topic, out EdgeTopic parsed)
    {
        parsed = default;
        return TopicAcl.MayPublish(device.Site, device.Device, topic) && EdgeTopic.TryParse(topic, out parsed);
    }

    /// <summary>Inbound hook: queues a QoS 1 alert for storage as soon as it arrives, without waiting for the commit.</summary>
    private async Task AdmitAlertAsync(InterceptingPacketEventArgs e)
    {
        if (e.Packet is not MqttPublishPacket publish || e.SessionItems[AcksItem] is not PendingAcks acks)
        {
            return;
        }

        acks.CurrentWasAdmitted = false;
        // Other QoS levels, topic aliases and anything the ACL refuses take the ordinary path in InterceptPublishAsync.
        if (publish.QualityOfServiceLevel != MqttQualityOfServiceLevel.AtLeastOnce
            || e.SessionItems[DeviceItem] is not DeviceRecord device
            || !TryOwnTopic(device, publish.Topic, out var topic)
            || topic.Channel != EdgeChannel.Alert)
        {
            return;
        }

        var outcome = await ingestor.AdmitAlertAsync(topic, publish.Payload, e.CancellationToken);
        acks.Add(publish.PacketIdentifier, outcome);
        acks.CurrentWasAdmitted = true;
    }

    /// <summary>Outbound hook: a PUBACK for an admitted alert leaves only once that alert is stored.</summary>
    private async Task HoldAckUntilStoredAsync(InterceptingPacketEventArgs e)
    {
        if (e.Packet is not MqttPubAckPacket ack || e.SessionItems[AcksItem] is not PendingAcks acks
            || !acks.TryTake(ack.PacketIdentifier, out var outcome))
        {
            return;
        }

        var result = await outcome.WaitAsync(e.CancellationToken);
        switch (result.Outcome)
        {
            case IngestOutcome.Stored or IngestOutcome.Duplicate:
                ack.ReasonCode = MqttPubAckReasonCode.Success;
                break;
            case IngestOutcome.Rejected:
                ack.ReasonCode = RejectCode(result);
                ack.ReasonString = result.Error;
                break;
            default:
                e.ProcessPacket = false;
                if (acks.TryStartClosing())
                {
                    // Once per connection: the alerts queued behind this one fail with it.
                    var who = e.SessionItems[DeviceItem] is DeviceRecord device ? device.Key : e.ClientId;
                    Log.PublishFailed(logger, who, $"packet {ack.PacketIdentifier}", result.Error ?? "store failed");
                    // Not from inside the send loop that is running this hook.
                    _ = Task.Run(() => DisconnectQuietlyAsync(e.ClientId));
                }

                break;
        }
    }

    private async Task DisconnectQuietlyAsync(string clientId)
    {
        try
        {
            if (_server is { IsStarted: true } server)
            {
                await server.DisconnectClientAsync(clientId, new MqttServerClientDisconnectOptions { ReasonCode = MqttDisconnectReasonCode.UnspecifiedError });
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Already gone: nothing to close.
            Log.DisconnectFailed(logger, clientId, ex.Message);
        }
    }

    private static MqttPubAckReasonCode RejectCode(IngestResult result) =>
        result.Reason == RejectReasons.IdentityMismatch ? MqttPubAckReasonCode.NotAuthorized : MqttPubAckReasonCode.PayloadFormatInvalid;

    private async Task HandleAlertAsync(InterceptingPublishEventArgs e, EdgeTopic topic)
    {
        e.ProcessPublish = false;
        var result = await ingestor.IngestAlertAsync(topic, e.ApplicationMessage.Payload, e.CancellationToken);
        switch (result.Outcome)
        {
            case IngestOutcome.Stored or IngestOutcome.Duplicate:
                e.Response.ReasonCode = MqttPubAckReasonCode.Success;
                break;
            case IngestOutcome.Rejected:
                e.Response.ReasonCode = RejectCode(result);
                e.Response.ReasonString = result.Error;
                break;
            default:
                // Not stored: no PUBACK. Closing the connection makes the device resend after it reconnects.
                Log.PublishFailed(logger, $"{topic.Site}/{topic.Device}", e.ApplicationMessage.Topic, result.Error ?? "store failed");
                e.CloseConnection = true;
                break;
        }
    }

    private Task InterceptSubscriptionAsync(InterceptingSubscriptionEventArgs e)
    {
        if (e.SessionItems[DeviceItem] is DeviceRecord device && !TopicAcl.MaySubscribe(device.Site, device.Device, e.TopicFilter.Topic))
        {
            e.ProcessSubscription = false;
            e.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
            Log.AclDenied(logger, device.Key, e.TopicFilter.Topic);
        }

        return Task.CompletedTask;
    }

    private async Task ClientDisconnectedAsync(ClientDisconnectedEventArgs e)
    {
        // A takeover means the same box reconnected; it is still online.
        if (e.SessionItems[DeviceItem] is DeviceRecord device && e.DisconnectType != MqttClientDisconnectType.Takeover)
        {
            await devices.MarkAsync(device.Site, device.Device, online: false);
        }
    }

    /// <summary>
    /// Devices' certificates are self-issued and pinned by thumbprint in the registry, so no chain is required;
    /// a certificate must still be within its validity period. No certificate at all is fine (token login).
    /// </summary>
    private static bool ClientCertificateInDate(object sender, X509Certificate? certificate, X509Chain? chain, System.Net.Security.SslPolicyErrors errors)
    {
        if (certificate is not X509Certificate2 presented)
        {
            return certificate is null;
        }

        var now = DateTime.Now;
        return presented.NotBefore <= now && now <= presented.NotAfter;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "Embedded MQTT broker listening with TLS on {Address}:{Port}, certificate {Subject} (SHA-256 {Fingerprint})")]
        public static partial void TlsStarted(ILogger logger, string address, int port, string subject, string fingerprint);

        [LoggerMessage(EventId = 306, Level = LogLevel.Warning, Message = "Embedded MQTT broker listening in plain text on {Address}:{Port} (Relay:Mqtt:AllowPlaintext=true); tokens and alerts cross it unencrypted")]
        public static partial void PlaintextStarted(ILogger logger, string address, int port);

        [LoggerMessage(EventId = 307, Level = LogLevel.Warning, Message = "No TLS certificate (Relay:Mqtt:TlsCertificate): the relay runs plain MQTT only; make one with `cloud-relay certs init`")]
        public static partial void PlaintextOnly(ILogger logger);

        [LoggerMessage(EventId = 301, Level = LogLevel.Warning, Message = "Refused MQTT client {ClientId} as {Username} from {Remote}: bad credentials")]
        public static partial void ConnectRefused(ILogger logger, string clientId, string username, string remote);

        [LoggerMessage(EventId = 302, Level = LogLevel.Error, Message = "Checking MQTT client {ClientId} failed: {Error}")]
        public static partial void ConnectFailed(ILogger logger, string clientId, string error);

        [LoggerMessage(EventId = 303, Level = LogLevel.Warning, Message = "Denied {Device} access to topic {Topic}")]
        public static partial void AclDenied(ILogger logger, string device, string topic);

        [LoggerMessage(EventId = 304, Level = LogLevel.Error, Message = "Message from {Device} on {Topic} was not stored and not acknowledged: {Error}")]
        public static partial void PublishFailed(ILogger logger, string device, string topic, string error);

        [LoggerMessage(EventId = 305, Level = LogLevel.Debug, Message = "Closing MQTT client {ClientId} after a failed store: {Error}")]
        public static partial void DisconnectFailed(ILogger logger, string clientId, string error);
    }
}
