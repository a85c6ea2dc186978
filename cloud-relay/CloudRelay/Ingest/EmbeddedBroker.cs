using CloudRelay.Settings;
using CloudRelay.Database;
using EdgeGateway.Contracts;
using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using CloudRelay.Devices;
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
/// Identity is bound to the connection. Every CONNECT authenticates afresh and must use the device's own client id
/// (<see cref="ClientIds"/>), so no device can name, take over or reuse another device's session. A CONNECT that
/// reuses a session (clean start off) gets the identity of its own credentials written over the session's items
/// before its first packet is read, so nothing an earlier connection left there is trusted; the identity is handed from
/// the CONNECT check to that step per connection, so two CONNECTs of one device close together each carry their own.
/// A publish or subscribe from a session without an identity is refused and its connection closed. A device removed or
/// given a new token has its live session closed (at once in this process, within
/// <c>Relay:Limits:CredentialCheckInterval</c> when another process changed the registry).
/// </remarks>
/// <remarks>
/// MQTTnet handles one inbound publish per connection at a time. Were the commit awaited there, a device could
/// have only one alert in each commit. Instead a QoS 1 alert is decoded and queued when it arrives (inbound
/// packet hook), the broker queues its PUBACK at once, and the PUBACK is held in the connection's send loop
/// (outbound packet hook) until the commit holding that alert is done. PUBACKs still leave in order, each
/// only once its own alert is stored; if storing fails the PUBACK is dropped and the connection closed, so
/// the device sends again.
/// </remarks>
public sealed partial class EmbeddedBroker(
    DeviceMessageIngestor ingestor,
    MessageRouter router,
    DeviceRegistry devices,
    RelayCounters counters,
    IOptions<RelayOptions> options,
    TimeProvider time,
    ILogger<EmbeddedBroker> logger) : IHostedService, IAsyncDisposable, Fleet.IFleetPublisher
{
    private const string DeviceItem = "cloud-relay.device";
    private const string RelayItem = "cloud-relay.relay";

    /// <summary>The session items of the relay's own publishes (desired configurations); no device session can carry them.</summary>
    private readonly Dictionary<object, object> _relayItems = new() { [RelayItem] = RelayItem };
    private const string AcksItem = "cloud-relay.acks";
    // Keyed by the connection (its remote end point object, one per accepted socket), not by client id: two CONNECTs
    // of one client id close together must each find their own identity. Entries go with their connection.
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<EndPoint, Admission> _admitted = new();
    private readonly Lock _admitting = new();
    private readonly ConcurrentDictionary<string, DeviceSession> _live = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _credentialsChanged = new(0, 1);
    private readonly CancellationTokenSource _stopping = new();
    private readonly LogThrottle _logThrottle = new(time);
    private readonly RetainedBudget _retained = new(options.Value.Limits.MaxRetainedPerDevice);
    private readonly FailedConnectLimiter _failedConnects = new(options.Value.Limits.FailedConnectsPerAddress, options.Value.Limits.FailedConnectWindow, time, options.Value.Limits.FailedConnectsGlobal);
    private readonly ConcurrentDictionary<string, PublishBucket> _publishBuckets = new(StringComparer.Ordinal);
    private Task _credentialCheck = Task.CompletedTask;
    private Task _credentialWatch = Task.CompletedTask;
    private long _admissions;
    private MqttServer? _server;
    private X509Certificate2? _certificate;

    /// <summary>The MQTTnet server, once started (for tests and hosts that inspect sessions).</summary>
    public MqttServer? Server => _server;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var mqtt = options.Value.Mqtt;
        var factory = new MqttServerFactory();
        var limits = options.Value.Limits;
        // The CONNECT deadline: MQTTnet closes a connection whose first packet has not arrived by then.
        var builder = factory.CreateServerOptionsBuilder().WithPersistentSessions(false).WithDefaultCommunicationTimeout(limits.ConnectTimeout);
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

        // Our own listeners in place of MQTTnet's, so the packet size limit holds before a body is buffered.
        _server = factory.CreateMqttServer(builder.Build(), [new FrontDoorServerAdapter(limits, counters, _logThrottle, logger)]);
        _server.ValidatingConnectionAsync += ValidateConnectionAsync;
        _server.InterceptingInboundPacketAsync += AdmitAlertAsync;
        _server.InterceptingPublishAsync += InterceptPublishAsync;
        _server.InterceptingOutboundPacketAsync += HoldAckUntilStoredAsync;
        _server.InterceptingSubscriptionAsync += InterceptSubscriptionAsync;
        _server.ClientSubscribedTopicAsync += ClientSubscribedAsync;
        _server.ClientConnectedAsync += ClientConnectedAsync;
        _server.ClientDisconnectedAsync += ClientDisconnectedAsync;
        await _server.StartAsync();
        devices.CredentialsChanged += OnCredentialsChanged;
        _credentialCheck = CheckCredentialsAsync(_stopping.Token);
        _credentialWatch = devices.WatchChangesAsync(OnCredentialsChanged, _stopping.Token);
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
        devices.CredentialsChanged -= OnCredentialsChanged;
        if (!_stopping.IsCancellationRequested)
        {
            await _stopping.CancelAsync();
        }

        await _credentialCheck.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _credentialWatch.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
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
        _credentialsChanged.Dispose();
        _stopping.Dispose();
    }

    private async Task ValidateConnectionAsync(ValidatingConnectionEventArgs e)
    {
        var remote = e.RemoteEndPoint?.ToString() ?? "?";
        var host = HostOf(e.RemoteEndPoint);
        if (_failedConnects.IsBlocked(host))
        {
            counters.CountLimit(LimitNames.FailedConnectRate);
            e.ReasonCode = MqttConnectReasonCode.ConnectionRateExceeded;
            if (_logThrottle.ShouldLog("failed-connects:" + host))
            {
                Log.LimitHit(logger, host, LimitNames.FailedConnectRate, _failedConnects.GlobalLimitReached
                    ? $"failed CONNECTs from all addresses passed {options.Value.Limits.FailedConnectsGlobal} within {options.Value.Limits.FailedConnectWindow} (Relay:Limits:FailedConnectsGlobal), so each address gets one failure; refused until the window passes"
                    : $"more than {options.Value.Limits.FailedConnectsPerAddress} failed CONNECTs within {options.Value.Limits.FailedConnectWindow} (Relay:Limits:FailedConnectsPerAddress); refused until the window passes");
            }

            return;
        }

        try
        {
            DeviceRecord? device = null;
            var credential = string.Empty;
            if (e.ClientCertificate is { } certificate)
            {
                device = await devices.AuthenticateAsync(certificate, e.CancellationToken);
                credential = device is null ? string.Empty : "cert:" + device.CertificateThumbprint;
            }

            if (device is null && !string.IsNullOrEmpty(e.UserName))
            {
                device = await devices.AuthenticateAsync(e.UserName, e.Password, e.CancellationToken);
                credential = device is null ? string.Empty : "token:" + device.TokenHash;
            }

            if (device is null)
            {
                counters.CountAuthFailure();
                _failedConnects.RecordFailure(host);
                // No username: nothing to be wrong about, the client (or its certificate) is simply not known.
                e.ReasonCode = string.IsNullOrEmpty(e.UserName)
                    ? MqttConnectReasonCode.NotAuthorized
                    : MqttConnectReasonCode.BadUserNameOrPassword;
                // The username is not secret and helps the installer; the password never appears.
                if (_logThrottle.ShouldLog("connect:" + HostOf(e.RemoteEndPoint)))
                {
                    Log.ConnectRefused(logger, e.ClientId, e.UserName ?? "(none)", remote);
                }

                return;
            }

            if (!ClientIds.IsOwn(device, e.ClientId))
            {
                // Refused before any session is touched: the device that holds this id stays connected.
                counters.CountClientIdRefusal();
                _failedConnects.RecordFailure(host);
                e.ReasonCode = MqttConnectReasonCode.ClientIdentifierNotValid;
                e.ReasonString = $"client id must be {ClientIds.DefaultFor(device.Site, device.Device)} or the one registered with {device.Key}";
                if (_logThrottle.ShouldLog("client-id:" + device.Key))
                {
                    Log.ClientIdRefused(logger, device.Key, e.ClientId, remote);
                }

                return;
            }

            if (e.RemoteEndPoint is not { } connection)
            {
                // Nothing to bind the identity to: refused rather than admitted without one.
                e.ReasonCode = MqttConnectReasonCode.ServerUnavailable;
                return;
            }

            var session = new DeviceSession(device, credential);
            e.SessionItems[DeviceItem] = session;
            e.SessionItems[AcksItem] = new PendingAcks();
            _admitted.AddOrUpdate(connection, new Admission(session));
            e.ReasonCode = MqttConnectReasonCode.Success;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            e.ReasonCode = MqttConnectReasonCode.ServerUnavailable;
            Log.ConnectFailed(logger, e.ClientId, ex.Message);
        }
    }

    /// <summary>
    /// Runs after the session is chosen (a reused one keeps the items of the connection before) and before the
    /// connection's first packet is read: the identity of this CONNECT's credentials replaces whatever was there.
    /// </summary>
    private Task ClientConnectedAsync(ClientConnectedEventArgs e)
    {
        lock (_admitting)
        {
            if (e.RemoteEndPoint is { } connection && _admitted.TryGetValue(connection, out var admission))
            {
                _admitted.Remove(connection);
                // A connection taken over before it got here leaves the session (and its pending acks) to its successor.
                if (!admission.TakenOver)
                {
                    e.SessionItems[DeviceItem] = admission.Session;
                    e.SessionItems[AcksItem] = new PendingAcks();
                    _live[e.ClientId] = admission.Session;
                    Interlocked.Increment(ref _admissions);
                }
            }
            else
            {
                // Not admitted by this broker's check: carry no identity, so every hook refuses it and closes the connection.
                e.SessionItems.Remove(DeviceItem);
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>The address failures are counted under (an IPv6 address by its /64).</summary>
    private static string HostOf(System.Net.EndPoint? endPoint) => endPoint is IPEndPoint ip ? FailedConnectLimiter.AddressKey(ip.Address) : endPoint?.ToString() ?? "?";

    private void OnCredentialsChanged()
    {
        try
        {
            _credentialsChanged.Release();
        }
        catch (SemaphoreFullException)
        {
            // A check is already due.
        }
        catch (ObjectDisposedException)
        {
            // Stopped.
        }
    }

    /// <summary>
    /// Closes live sessions whose device is gone or whose credentials changed: at once after a change in this or
    /// another process (the CLI, another relay instance; see <see cref="DeviceRegistry.WatchChangesAsync"/>), and
    /// every check interval in case a signal was missed.
    /// </summary>
    private async Task CheckCredentialsAsync(CancellationToken cancellationToken)
    {
        var interval = options.Value.Limits.CredentialCheckInterval;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                bool signalled;
                using (var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                {
                    var delay = Task.Delay(interval, time, wait.Token);
                    var changed = _credentialsChanged.WaitAsync(wait.Token);
                    await Task.WhenAny(delay, changed);
                    await wait.CancelAsync();
                    await Task.WhenAll(delay, changed).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    signalled = changed.IsCompletedSuccessfully;
                }

                cancellationToken.ThrowIfCancellationRequested();
                if (_live.IsEmpty)
                {
                    continue;
                }

                // Only sessions admitted before the registry is read are judged by it: one admitted after was
                // authenticated against newer data, such as a device registered a moment ago.
                var admissions = Volatile.Read(ref _admissions);
                var admittedBefore = _live.ToArray();
                var registered = (await devices.ListAsync(cancellationToken)).ToDictionary(d => d.Key, StringComparer.Ordinal);
                foreach (var (clientId, session) in admittedBefore)
                {
                    if (!session.StillValid(registered.GetValueOrDefault(session.Device.Key), clientId))
                    {
                        _live.TryRemove(new KeyValuePair<string, DeviceSession>(clientId, session));
                        counters.CountRevokedSession();
                        Log.SessionRevoked(logger, session.Device.Key, clientId);
                        await DisconnectQuietlyAsync(clientId, MqttDisconnectReasonCode.NotAuthorized);
                    }
                }

                if (signalled && Volatile.Read(ref _admissions) != admissions)
                {
                    // A session authenticated just before a change may have become live after the snapshot: look again.
                    OnCredentialsChanged();
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                Log.CredentialCheckFailed(logger, ex.Message);
            }
        }
    }

    public event Action<string, string>? DeviceReady;

    public Task<IReadOnlyCollection<(string Site, string Device)>> ReachableAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyCollection<(string Site, string Device)>>([.. _live.Values.Select(s => (s.Device.Site, s.Device.Device)).Distinct()]);

    public async Task PublishDesiredAsync(string site, string device, byte[] payload, CancellationToken cancellationToken)
    {
        if (_server is not { IsStarted: true } server)
        {
            return;
        }

        var message = new MQTTnet.MqttApplicationMessageBuilder()
            .WithTopic(EdgeTopic.Format(options.Value.Mqtt.TopicPrefix, site, device, EdgeChannel.ConfigDesired))
            .WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        await server.InjectApplicationMessage(new InjectedMqttApplicationMessage(message) { CustomSessionItems = _relayItems }, cancellationToken);
    }

    /// <summary>A device that subscribed to a filter covering its own <c>config/desired</c> can receive it from now on.</summary>
    private Task ClientSubscribedAsync(ClientSubscribedTopicEventArgs e)
    {
        if (e.SessionItems[DeviceItem] is DeviceSession { Device: var device }
            && MQTTnet.MqttTopicFilterComparer.Compare(EdgeTopic.Format(options.Value.Mqtt.TopicPrefix, device.Site, device.Device, EdgeChannel.ConfigDesired), e.TopicFilter.Topic)
               == MQTTnet.MqttTopicFilterCompareResult.IsMatch)
        {
            DeviceReady?.Invoke(device.Site, device.Device);
        }

        return Task.CompletedTask;
    }

    private async Task InterceptPublishAsync(InterceptingPublishEventArgs e)
    {
        var message = e.ApplicationMessage;
        if (e.SessionItems[RelayItem] is RelayItem)
        {
            // The relay's own desired configuration: delivered to whoever subscribed (the device alone may).
            return;
        }

        if (e.SessionItems[DeviceItem] is not DeviceSession { Device: var device })
        {
            // Fail closed: a session without an identity must not skip the ACL, the retained cap and the pacing.
            RefuseWithoutIdentity(e.ClientId, "publish on " + message.Topic);
            e.ProcessPublish = false;
            e.CloseConnection = true;
            e.Response.ReasonCode = MqttPubAckReasonCode.NotAuthorized;
            return;
        }

        if (!TryOwnTopic(device, message.Topic, out var topic))
        {
            counters.CountReject(RejectReasons.NotAuthorized);
            Log.AclDenied(logger, device.Key, message.Topic);
            e.ProcessPublish = false;
            e.Response.ReasonCode = MqttPubAckReasonCode.NotAuthorized;
            e.Response.ReasonString = message.Topic == EdgeTopic.Format(options.Value.Mqtt.TopicPrefix, device.Site, device.Device, EdgeChannel.ConfigDesired)
                ? $"{message.Topic} is written by the relay only; a device reports on config/reported"
                : $"{device.Key} may publish only under {EdgeTopic.PrefixOf(options.Value.Mqtt.TopicPrefix, device.Site, device.Device)}";
            return;
        }

        try
        {
            if (topic.Channel == EdgeChannel.Alert && e.SessionItems[AcksItem] is PendingAcks acks && acks.TakeCurrentWasAdmitted())
            {
                // Already queued by the inbound hook; the reason code is set when its PUBACK goes out.
                e.ProcessPublish = false;
                e.Response.ReasonCode = MqttPubAckReasonCode.Success;
                return;
            }

            switch (await router.RouteAsync(topic, message.Payload, e.CancellationToken))
            {
                case { } alert when topic.Channel == EdgeChannel.Alert:
                    AnswerAlert(e, topic, alert);
                    break;
                case { } result:
                    // Taken by the relay and routed to nobody: a plain Success PUBACK keeps any client from reading
                    // "no matching subscribers" as a failure.
                    e.ProcessPublish = false;
                    Answer(e, result);
                    break;
                default:
                    // Anything else under the device's own prefix is an ordinary MQTT message; only retained ones are capped.
                    if (message.Retain && !_retained.TryKeep(device.Key, message.Topic, message.Payload.IsEmpty))
                    {
                        counters.CountLimit(LimitNames.RetainedCap);
                        if (_logThrottle.ShouldLog("retained:" + device.Key))
                        {
                            Log.LimitHit(logger, device.Key, LimitNames.RetainedCap, $"keeps at most {options.Value.Limits.MaxRetainedPerDevice} retained messages (Relay:Limits:MaxRetainedPerDevice)");
                        }

                        e.ProcessPublish = false;
                        e.Response.ReasonCode = MqttPubAckReasonCode.QuotaExceeded;
                    }

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

    private void RefuseWithoutIdentity(string clientId, string what)
    {
        counters.CountReject(RejectReasons.NotAuthorized);
        if (_logThrottle.ShouldLog("no-identity:" + clientId))
        {
            Log.NoIdentity(logger, clientId, what);
        }
    }

    private static void Answer(InterceptingPublishEventArgs e, IngestResult result)
    {
        if (result.Outcome != IngestOutcome.Rejected)
        {
            return;
        }

        e.Response.ReasonCode = result.Reason switch
        {
            RejectReasons.IdentityMismatch => MqttPubAckReasonCode.NotAuthorized,
            LimitNames.SnapshotBytes or Evidence.EvidenceIngestor.ClipBudget or Evidence.EvidenceIngestor.StorageFull => MqttPubAckReasonCode.QuotaExceeded,
            _ => MqttPubAckReasonCode.TopicNameInvalid,
        };
        e.Response.ReasonString = result.Error;
    }

    /// <summary>The ACL: a device may publish only on a well-formed topic under its own <c>edge/{site}/{device}/</c>.</summary>
    private bool TryOwnTopic(DeviceRecord device, string? topic, out EdgeTopic parsed)
    {
        parsed = default;
        var prefix = options.Value.Mqtt.TopicPrefix;
        return TopicAcl.MayPublish(prefix, device.Site, device.Device, topic) && EdgeTopic.TryParse(prefix, topic, out parsed);
    }

    /// <summary>Inbound hook: queues a QoS 1 alert for storage as soon as it arrives, without waiting for the commit.</summary>
    private async Task AdmitAlertAsync(InterceptingPacketEventArgs e)
    {
        if (e.Packet is not MqttPublishPacket publish || e.SessionItems[AcksItem] is not PendingAcks acks)
        {
            return;
        }

        acks.CurrentWasAdmitted = false;
        if (e.SessionItems[DeviceItem] is DeviceSession session)
        {
            await PaceAsync(session.Device, e.CancellationToken);
        }

        // Other QoS levels, topic aliases and anything the ACL refuses take the ordinary path in InterceptPublishAsync.
        if (publish.QualityOfServiceLevel != MqttQualityOfServiceLevel.AtLeastOnce
            || e.SessionItems[DeviceItem] is not DeviceSession { Device: var device }
            || !TryOwnTopic(device, publish.Topic, out var topic)
            || topic.Channel != EdgeChannel.Alert)
        {
            return;
        }

        var admission = await ingestor.AdmitAlertAsync(topic, publish.Payload, e.CancellationToken);
        acks.Add(publish.PacketIdentifier, admission.Outcome);
        acks.CurrentWasAdmitted = true;
    }

    /// <summary>
    /// The per-device publish rate: a device over it is slowed (this connection's next packet is read later, so TCP
    /// pushes back), never refused, so nothing the box sends is lost to the limit.
    /// </summary>
    private async ValueTask PaceAsync(DeviceRecord device, CancellationToken cancellationToken)
    {
        var limits = options.Value.Limits;
        var bucket = _publishBuckets.GetOrAdd(device.Key, static (_, state) => new PublishBucket(state.limits.PublishesPerSecond, state.limits.PublishBurst, state.time), (limits, time));
        var wait = bucket.Take();
        if (wait <= TimeSpan.Zero)
        {
            return;
        }

        counters.CountLimit(LimitNames.PublishRate);
        if (_logThrottle.ShouldLog("publish-rate:" + device.Key))
        {
            Log.LimitHit(logger, device.Key, LimitNames.PublishRate, $"over {limits.PublishesPerSecond} publishes/s (Relay:Limits:PublishesPerSecond); slowed down");
        }

        await Task.Delay(wait, time, cancellationToken);
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
                    var who = e.SessionItems[DeviceItem] is DeviceSession session ? session.Device.Key : e.ClientId;
                    Log.PublishFailed(logger, who, $"packet {ack.PacketIdentifier}", result.Error ?? "store failed");
                    // Not from inside the send loop that is running this hook.
                    _ = Task.Run(() => DisconnectQuietlyAsync(e.ClientId, MqttDisconnectReasonCode.UnspecifiedError));
                }

                break;
        }
    }

    private async Task DisconnectQuietlyAsync(string clientId, MqttDisconnectReasonCode reason)
    {
        try
        {
            if (_server is { IsStarted: true } server)
            {
                await server.DisconnectClientAsync(clientId, new MqttServerClientDisconnectOptions { ReasonCode = reason });
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

    private void AnswerAlert(InterceptingPublishEventArgs e, EdgeTopic topic, IngestResult result)
    {
        e.ProcessPublish = false;
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
        if (e.SessionItems[DeviceItem] is not DeviceSession { Device: var device })
        {
            RefuseWithoutIdentity(e.ClientId, "subscribe to " + e.TopicFilter.Topic);
            e.ProcessSubscription = false;
            e.CloseConnection = true;
            e.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
        }
        else if (!TopicAcl.MaySubscribe(options.Value.Mqtt.TopicPrefix, device.Site, device.Device, e.TopicFilter.Topic))
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
        if (e.DisconnectType == MqttClientDisconnectType.Takeover)
        {
            lock (_admitting)
            {
                if (e.RemoteEndPoint is { } connection && _admitted.TryGetValue(connection, out var admission))
                {
                    admission.TakenOver = true;
                }
            }

            return;
        }

        _live.TryRemove(e.ClientId, out _);
        if (e.SessionItems[DeviceItem] is DeviceSession { Device: var device })
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

    /// <summary>One admitted CONNECT until its connection is live; taken over when a newer CONNECT won its session first.</summary>
    private sealed class Admission(DeviceSession session)
    {
        public DeviceSession Session { get; } = session;

        public bool TakenOver { get; set; }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = RelayLogEvents.BrokerStarted, Level = LogLevel.Information, Message = "Embedded MQTT broker listening with TLS on {Address}:{Port}, certificate {Subject} (SHA-256 {Fingerprint})")]
        public static partial void TlsStarted(ILogger logger, string address, int port, string subject, string fingerprint);

        [LoggerMessage(EventId = RelayLogEvents.BrokerPlaintextStarted, Level = LogLevel.Warning, Message = "Embedded MQTT broker listening in plain text on {Address}:{Port} (Relay:Mqtt:AllowPlaintext=true); tokens and alerts cross it unencrypted")]
        public static partial void PlaintextStarted(ILogger logger, string address, int port);

        [LoggerMessage(EventId = RelayLogEvents.BrokerPlaintextOnly, Level = LogLevel.Warning, Message = "No TLS certificate (Relay:Mqtt:TlsCertificate): the relay runs plain MQTT only; make one with `cloud-relay certs init`")]
        public static partial void PlaintextOnly(ILogger logger);

        [LoggerMessage(EventId = RelayLogEvents.BrokerConnectRefused, Level = LogLevel.Warning, Message = "Refused MQTT client {ClientId} as {Username} from {Remote}: bad credentials")]
        public static partial void ConnectRefused(ILogger logger, string clientId, string username, string remote);

        [LoggerMessage(EventId = RelayLogEvents.BrokerConnectFailed, Level = LogLevel.Error, Message = "Checking MQTT client {ClientId} failed: {Error}")]
        public static partial void ConnectFailed(ILogger logger, string clientId, string error);

        [LoggerMessage(EventId = RelayLogEvents.BrokerAclDenied, Level = LogLevel.Warning, Message = "Denied {Device} access to topic {Topic}")]
        public static partial void AclDenied(ILogger logger, string device, string topic);

        [LoggerMessage(EventId = RelayLogEvents.BrokerPublishFailed, Level = LogLevel.Error, Message = "Message from {Device} on {Topic} was not stored and not acknowledged: {Error}")]
        public static partial void PublishFailed(ILogger logger, string device, string topic, string error);

        [LoggerMessage(EventId = RelayLogEvents.BrokerClientIdRefused, Level = LogLevel.Warning, Message = "Refused {Device} connecting as client id {ClientId} from {Remote}: not its own client id (further refusals for this device are logged at most once a minute)")]
        public static partial void ClientIdRefused(ILogger logger, string device, string clientId, string remote);

        [LoggerMessage(EventId = RelayLogEvents.BrokerSessionRevoked, Level = LogLevel.Warning, Message = "Closed the session of {Device} (client id {ClientId}): the device was removed or its credentials changed")]
        public static partial void SessionRevoked(ILogger logger, string device, string clientId);

        [LoggerMessage(EventId = RelayLogEvents.BrokerCredentialCheckFailed, Level = LogLevel.Warning, Message = "Checking live sessions against the device registry failed: {Error}")]
        public static partial void CredentialCheckFailed(ILogger logger, string error);

        [LoggerMessage(EventId = RelayLogEvents.BrokerLimitHit, Level = LogLevel.Warning, Message = "Limit {Limit} hit by {Source}: {Detail} (logged at most once a minute per source)")]
        public static partial void LimitHit(ILogger logger, string source, string limit, string detail);

        [LoggerMessage(EventId = RelayLogEvents.BrokerNoIdentity, Level = LogLevel.Warning, Message = "Refused client {ClientId} ({What}) and closed its connection: its session carries no device identity (logged at most once a minute per client id)")]
        public static partial void NoIdentity(ILogger logger, string clientId, string what);

        [LoggerMessage(EventId = RelayLogEvents.BrokerDisconnectFailed, Level = LogLevel.Debug, Message = "Closing MQTT client {ClientId} after a failed store: {Error}")]
        public static partial void DisconnectFailed(ILogger logger, string clientId, string error);
    }
}
