using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
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

    /// <summary>Waits until <paramref name="count"/> distinct alert ids arrived; throws with what did arrive when <paramref name="timeout"/> passes.</summary>
    public Task WaitForUniqueAlertsAsync(int count, TimeSpan timeout) =>
        WaitForAsync(c => c.UniqueAlerts >= count, timeout, $"{count} unique alerts");

    /// <summary>Waits until <paramref name="condition"/> holds; throws naming it and what arrived when <paramref name="timeout"/> passes.</summary>
    public async Task WaitForAsync(
        Func<MqttCollector, bool> condition, TimeSpan timeout, [CallerArgumentExpression(nameof(condition))] string? what = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var clock = Stopwatch.StartNew();
        while (!condition(this))
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"timed out after {timeout.TotalSeconds:0.#} s waiting for {what}; received {Describe()}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Waits until no new message arrived for <paramref name="quiet"/>; throws when messages still flow at <paramref name="timeout"/>.</summary>
    public async Task WaitForQuietAsync(TimeSpan quiet, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        var last = Total;
        var since = clock.Elapsed;
        while (clock.Elapsed < timeout)
        {
            await Task.Delay(100);
            if (Total != last)
            {
                last = Total;
                since = clock.Elapsed;
            }
            else if (clock.Elapsed - since >= quiet)
            {
                return;
            }
        }

        throw new TimeoutException($"timed out after {timeout.TotalSeconds:0.#} s waiting for {quiet.TotalSeconds:0.#} s without a message; received {Describe()}");
    }

    /// <summary>What arrived so far, for failure messages: counts, and messages per topic.</summary>
    public string Describe()
    {
        var topics = Messages.GroupBy(m => m.Topic, StringComparer.Ordinal).OrderByDescending(g => g.Count()).ToList();
        var shown = string.Join(", ", topics.Take(8).Select(g => $"{g.Key} x{g.Count()}"));
        return $"{Total} messages, {UniqueAlerts} unique alerts ({DuplicateAlerts} duplicates)"
            + (topics.Count == 0 ? "" : $"; by topic: {shown}{(topics.Count > 8 ? $", and {topics.Count - 8} more topics" : "")}");
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
