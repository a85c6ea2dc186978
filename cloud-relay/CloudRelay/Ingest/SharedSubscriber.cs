using CloudRelay.Settings;
using EdgeGateway.Contracts;
using System.Buffers;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using EdgeGateway.Supervision.Retry;

namespace CloudRelay.Ingest;

/// <summary>
/// External mode: joins an MQTT 5 shared subscription (<c>$share/{group}/edge/+/+/alert</c> and the like) on a
/// real broker, so N relay instances split the devices' traffic. Each message is acknowledged only after it is
/// stored, and acknowledgements go back in arrival order. The session is persistent under a stable client id,
/// so a restarted instance receives again whatever it had not acknowledged.
/// </summary>
public sealed partial class SharedSubscriber(
    DeviceMessageIngestor ingestor,
    MessageRouter router,
    Devices.DeviceRegistry devices,
    TimeProvider time,
    IOptions<RelayOptions> options,
    ILogger<SharedSubscriber> logger) : BackgroundService, Fleet.IFleetPublisher
{
    /// <summary>How long a device found registered is trusted without asking the database again.</summary>
    internal static readonly TimeSpan KnownDeviceTtl = TimeSpan.FromSeconds(10);

    /// <summary>A message from a device the relay has not registered (the broker let it in, the relay does not).</summary>
    public const string UnknownDevice = "unknown_device";

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, DateTimeOffset> _known = new(StringComparer.Ordinal);
    private readonly MqttClientFactory _factory = new();
    private readonly SemaphoreSlim _disconnected = new(0, 1);
    private IMqttClient? _client;
    private Task _ackChain = Task.CompletedTask;
    private CancellationToken _stopping;

    /// <summary>Messages this instance handled (stored, duplicate or rejected) since start.</summary>
    public long Handled => Interlocked.Read(ref _handled);

    private long _handled;

    /// <summary>True while connected and subscribed.</summary>
    public bool IsSubscribed => Volatile.Read(ref _subscribed);

    private bool _subscribed;

    /// <summary>Reconnecting to the broker: 200 ms doubling to 30 s.</summary>
    internal static readonly RetryPolicy Reconnect = new(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(30));

    public string ClientId => $"cloud-relay-{options.Value.Mqtt.InstanceId}";

    /// <summary>
    /// With an external broker the relay sees no subscriptions: a device's birth message (state online) stands for
    /// "ready", and the broker keeps what arrives for a device's persistent session while it reconnects.
    /// </summary>
    public event Action<string, string>? DeviceReady
    {
        add => ingestor.CameOnline += value;
        remove => ingestor.CameOnline -= value;
    }

    /// <summary>Devices whose state is online in the registry (every instance on the database shares it).</summary>
    public async Task<IReadOnlyCollection<(string Site, string Device)>> ReachableAsync(CancellationToken cancellationToken) =>
        [.. (await devices.ListAsync(cancellationToken)).Where(d => d.Online).Select(d => (d.Site, d.Device))];

    public async Task PublishDesiredAsync(string site, string device, byte[] payload, CancellationToken cancellationToken)
    {
        if (_client is not { IsConnected: true } client)
        {
            throw new InvalidOperationException($"not connected to {options.Value.Mqtt.Broker}");
        }

        await client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(EdgeTopic.Format(options.Value.Mqtt.TopicPrefix, site, device, EdgeChannel.ConfigDesired))
            .WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build(), cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _stopping = stoppingToken;
        var mqtt = options.Value.Mqtt;
        using var client = _factory.CreateMqttClient();
        _client = client;
        client.ApplicationMessageReceivedAsync += OnMessageAsync;
        client.DisconnectedAsync += _ =>
        {
            Signal();
            return Task.CompletedTask;
        };

        // Options validation refused a bad Relay:Mqtt:Broker at start; the canonical form is what MQTTnet reads.
        if (!BrokerAddress.TryParse(mqtt.Broker, out var broker, out var error))
        {
            throw new InvalidOperationException(BrokerAddress.Problem("Relay:Mqtt:Broker", mqtt.Broker) ?? error);
        }

        var builder = new MqttClientOptionsBuilder()
            .WithConnectionUri(broker.ToString())
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId(ClientId)
            .WithCleanStart(false)
            .WithSessionExpiryInterval(24 * 3600)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(30));
        if (!string.IsNullOrEmpty(mqtt.BrokerUsername))
        {
            builder.WithCredentials(mqtt.BrokerUsername, mqtt.BrokerPassword ?? string.Empty);
        }

        var clientOptions = builder.Build();
        var shownBroker = broker.ToString();
        var reconnect = Reconnect.Start(time);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var result = await client.ConnectAsync(clientOptions, stoppingToken);
                if (result.ResultCode != MqttClientConnectResultCode.Success)
                {
                    throw new InvalidOperationException($"broker refused the connection: {result.ResultCode} {result.ReasonString}");
                }

                var subscribe = _factory.CreateSubscribeOptionsBuilder();
                foreach (var channel in MessageRouter.Channels)
                {
                    subscribe.WithTopicFilter(f => f
                        .WithTopic($"$share/{mqtt.SharedGroup}/{EdgeTopic.FilterFor(mqtt.TopicPrefix, channel)}")
                        .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce));
                }

                await client.SubscribeAsync(subscribe.Build(), stoppingToken);
                Volatile.Write(ref _subscribed, true);
                Log.Connected(logger, ClientId, shownBroker, mqtt.SharedGroup, result.IsSessionPresent);
                reconnect.Reset();
                await WaitUntilDisconnectedAsync(client, stoppingToken);
                Volatile.Write(ref _subscribed, false);
                Log.Disconnected(logger, ClientId);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                var delay = reconnect.Fail();
                Log.ConnectFailed(logger, shownBroker, ex.Message, delay.TotalSeconds);
                await reconnect.WaitAsync(delay, stoppingToken);
            }
        }

        if (client.IsConnected)
        {
            await client.DisconnectAsync(new MqttClientDisconnectOptions(), CancellationToken.None);
        }
    }

    private async Task WaitUntilDisconnectedAsync(IMqttClient client, CancellationToken stoppingToken)
    {
        while (client.IsConnected)
        {
            using var poll = new CancellationTokenSource(TimeSpan.FromSeconds(5), time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(poll.Token, stoppingToken);
            try
            {
                await _disconnected.WaitAsync(linked.Token);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                // Poll again.
            }
        }
    }

    private void Signal()
    {
        try
        {
            if (_disconnected.CurrentCount == 0)
            {
                _disconnected.Release();
            }
        }
        catch (SemaphoreFullException)
        {
            // Already signalled.
        }
    }

    private Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        // MQTTnet calls this handler one message at a time, so the chain below is built in arrival order.
        e.AutoAcknowledge = false;
        var topic = e.ApplicationMessage.Topic;
        var payload = new ReadOnlySequence<byte>(e.ApplicationMessage.Payload.ToArray());
        var work = HandleAsync(topic, payload);
        _ackChain = AcknowledgeInOrderAsync(_ackChain, work, e);
        return Task.CompletedTask;
    }

    private async Task<bool> HandleAsync(string topic, ReadOnlySequence<byte> payload)
    {
        if (!EdgeTopic.TryParse(options.Value.Mqtt.TopicPrefix, topic, out var parsed))
        {
            return true;
        }

        // The external broker's ACL decides who may publish; the relay still stores only what its registered devices send.
        if (!await IsRegisteredAsync(parsed.Site, parsed.Device))
        {
            ingestor.Reject(parsed, UnknownDevice, $"message on '{topic}' from device '{parsed.Site}/{parsed.Device}', which is not registered at the relay; expected a device added with 'cloud-relay devices add' or a claim");
            return true;
        }

        // Acknowledged unless storing failed: a refusal is final, a failure comes again.
        var result = await router.RouteAsync(parsed, payload, _stopping);
        return result is not { Outcome: IngestOutcome.Failed };
    }

    private async Task<bool> IsRegisteredAsync(string site, string device)
    {
        var key = $"{site}/{device}";
        var now = time.GetUtcNow();
        if (_known.TryGetValue(key, out var until) && until > now)
        {
            return true;
        }

        if (await devices.FindAsync(site, device, _stopping) is null)
        {
            _known.TryRemove(key, out _);
            return false;
        }

        _known[key] = now + KnownDeviceTtl;
        return true;
    }

    private async Task AcknowledgeInOrderAsync(Task previous, Task<bool> work, MqttApplicationMessageReceivedEventArgs e)
    {
        bool stored;
        try
        {
            stored = await work;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            stored = false;
        }

        try
        {
            await previous;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The previous acknowledgement's failure is its own; this one still goes out.
        }

        if (!stored)
        {
            // Not stored: leave it unacknowledged and reconnect, so the broker delivers it again.
            Log.NotStored(logger, e.ApplicationMessage.Topic);
            if (_client is { IsConnected: true } client)
            {
                await client.DisconnectAsync(new MqttClientDisconnectOptions { Reason = MqttClientDisconnectOptionsReason.UnspecifiedError }, CancellationToken.None);
            }

            return;
        }

        try
        {
            await e.AcknowledgeAsync(CancellationToken.None);
            Interlocked.Increment(ref _handled);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The connection dropped first; the broker re-delivers and the duplicate is counted, not stored twice.
        }
    }

    public override void Dispose()
    {
        _disconnected.Dispose();
        base.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = RelayLogEvents.SubscriberConnected, Level = LogLevel.Information, Message = "{ClientId} subscribed on {Broker} in shared group {Group} (session present: {SessionPresent})")]
        public static partial void Connected(ILogger logger, string clientId, string broker, string group, bool sessionPresent);

        [LoggerMessage(EventId = RelayLogEvents.SubscriberDisconnected, Level = LogLevel.Warning, Message = "{ClientId} lost the broker connection; reconnecting")]
        public static partial void Disconnected(ILogger logger, string clientId);

        [LoggerMessage(EventId = RelayLogEvents.SubscriberConnectFailed, Level = LogLevel.Warning, Message = "Connecting to {Broker} failed: {Error}; retrying in {Seconds} s")]
        public static partial void ConnectFailed(ILogger logger, string broker, string error, double seconds);

        [LoggerMessage(EventId = RelayLogEvents.SubscriberNotStored, Level = LogLevel.Error, Message = "A message on {Topic} was not stored; leaving it unacknowledged and reconnecting")]
        public static partial void NotStored(ILogger logger, string topic);
    }
}
