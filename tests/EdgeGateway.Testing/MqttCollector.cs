using System.Collections.Concurrent;
using System.Text;
using System.Buffers;
using MQTTnet;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace EdgeGateway.Testing;

/// <summary>
/// A real MQTT 5 subscriber, as the cloud relay would be: QoS 1 on <c>edge/#</c>, with a
/// persistent session so a broker restart (with persistence) loses nothing queued for it.
/// Counts messages and unique alert ids.
/// </summary>
public sealed class MqttCollector : IAsyncDisposable
{
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private readonly ConcurrentDictionary<string, int> _alertIds = new();
    private readonly ConcurrentQueue<Received> _messages = new();
    private readonly string _url;
    private readonly string _filter;
    private readonly string _clientId = "collector-" + Guid.NewGuid().ToString("N")[..8];
    private readonly CancellationTokenSource _stop = new();
    private Task? _reconnect;
    private long _total;

    private readonly (string User, string Password)? _credentials;

    private MqttCollector(string url, string filter, (string User, string Password)? credentials)
    {
        _url = url;
        _filter = filter;
        _credentials = credentials;
        _client.ApplicationMessageReceivedAsync += e =>
        {
            var message = e.ApplicationMessage;
            var alertId = message.UserProperties?.FirstOrDefault(p => p.Name == "alert-id")?.ReadValueAsString();
            _messages.Enqueue(new Received(message.Topic, message.Payload.ToArray(), alertId, message.Retain, message.ContentType));
            Interlocked.Increment(ref _total);
            if (alertId is not null && message.Topic.EndsWith("/alert", StringComparison.Ordinal))
            {
                _alertIds.AddOrUpdate(alertId, 1, (_, n) => n + 1);
            }

            return Task.CompletedTask;
        };
    }

    public sealed record Received(string Topic, byte[] Payload, string? AlertId, bool Retain, string? ContentType)
    {
        public string Text => Encoding.UTF8.GetString(Payload);
    }

    public int UniqueAlerts => _alertIds.Count;

    /// <summary>Alert messages received beyond the first copy of each id.</summary>
    public int DuplicateAlerts => _alertIds.Values.Sum(n => n - 1);

    public long Total => Interlocked.Read(ref _total);

    public IReadOnlyCollection<Received> Messages => _messages.ToArray();

    public IReadOnlyCollection<string> AlertIds => _alertIds.Keys.ToArray();

    public static async Task<MqttCollector> StartAsync(
        string url, string filter = "edge/#", bool keepReconnecting = true, (string User, string Password)? credentials = null)
    {
        var collector = new MqttCollector(url, filter, credentials);
        await collector.ConnectAsync(CancellationToken.None);
        if (keepReconnecting)
        {
            collector._reconnect = collector.KeepConnectedAsync();
        }

        return collector;
    }

    public async Task WaitForUniqueAlertsAsync(int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (UniqueAlerts < count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
    }

    public async Task WaitForAsync(Func<MqttCollector, bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition(this) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
    }

    /// <summary>Waits until no new message arrived for <paramref name="quiet"/>.</summary>
    public async Task WaitForQuietAsync(TimeSpan quiet, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var last = Total;
        var since = DateTime.UtcNow;
        while (DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
            if (Total != last)
            {
                last = Total;
                since = DateTime.UtcNow;
            }
            else if (DateTime.UtcNow - since >= quiet)
            {
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_reconnect is not null)
        {
            try
            {
                await _reconnect;
            }
            catch (OperationCanceledException)
            {
            }
        }

        try
        {
            if (_client.IsConnected)
            {
                await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithSessionExpiryInterval(0).Build());
            }
        }
        catch (Exception)
        {
            // The broker may already be gone.
        }

        _client.Dispose();
        _stop.Dispose();
    }

    private async Task ConnectAsync(CancellationToken cancellationToken)
    {
        var uri = new Uri(_url);
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(uri.Host, uri.Port)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithClientId(_clientId)
            .WithCleanStart(false)
            .WithSessionExpiryInterval(3600)
            .WithReceiveMaximum(1000);
        if (_credentials is { } credentials)
        {
            builder.WithCredentials(credentials.User, credentials.Password);
        }

        var options = builder.Build();
        var result = await _client.ConnectAsync(options, cancellationToken);
        if (!result.IsSessionPresent)
        {
            await _client.SubscribeAsync(
                new MqttClientSubscribeOptionsBuilder().WithTopicFilter(_filter, MqttQualityOfServiceLevel.AtLeastOnce).Build(),
                cancellationToken);
        }
    }

    private async Task KeepConnectedAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            await Task.Delay(100, _stop.Token);
            if (_client.IsConnected)
            {
                continue;
            }

            try
            {
                await ConnectAsync(_stop.Token);
            }
            catch (Exception) when (!_stop.IsCancellationRequested)
            {
                // Broker still down; try again shortly.
            }
        }
    }
}
