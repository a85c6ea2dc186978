using System.Buffers;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using EdgeGateway.Contracts;
using EdgeGateway.Core.Alerts;
using EdgeGateway.Core.Outbox;
using EdgeGateway.Uplink.Configuration;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;
using EdgeGateway.Supervision.Retry;
using EdgeGateway.Core.Configuration;

namespace EdgeGateway.Uplink.Mqtt;

/// <summary>
/// The MQTTnet 5 adapter: one MQTT 5 connection, kept up with capped exponential backoff and
/// jitter; QoS 1 publishes that complete on PUBACK; a retained <c>online</c> birth and a retained
/// <c>offline</c> Last Will on the state topic; TLS with a pinned CA, client certificates and
/// username/token. MQTTnet does not resend unacknowledged messages after a reconnect; the send
/// loop does, from the outbox.
/// </summary>
public sealed partial class MqttUplinkTransport : IUplinkTransport, Core.Evidence.IEvidenceTransport, IAsyncDisposable
{
    public const string AlertIdProperty = "alert-id";
    public const string Online = "online";
    public const string Offline = "offline";

    /// <summary>A connection that lasted less than this counts as a failed attempt for backoff.</summary>
    private static readonly TimeSpan StableConnection = TimeSpan.FromSeconds(10);

    private readonly UplinkOptions _options;
    private readonly RetryPolicy _reconnect;
    private readonly BrokerAddress _broker;
    private readonly MqttTopics _topics;
    private readonly AlertEncoding _encoding;
    private readonly TimeProvider _time;
    private readonly ILogger<MqttUplinkTransport> _logger;
    private readonly IMqttClient _client;
    private readonly MqttClientOptions _clientOptions;
    private readonly X509Certificate2Collection? _pinnedCa;
    private readonly X509Certificate2? _clientCertificate;
    private readonly Lock _gate = new();
    private TaskCompletionSource _changed = NewSignal();
    private TaskCompletionSource _lost = NewSignal();
    private SemaphoreSlim _quota = new(1, 1);
    private int _connection;
    private bool _connected;
    private string? _lastError;
    private string? _certificateProblem;
    private volatile bool _stopping;

    public MqttUplinkTransport(UplinkOptions options, DeviceOptions device, TimeProvider time, ILogger<MqttUplinkTransport> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(device);
        _options = options;
        _reconnect = RetryPolicy.FromSettings(TimeSpan.FromMilliseconds(options.ReconnectMinMs), TimeSpan.FromMilliseconds(options.ReconnectMaxMs), jitter: true);
        if (!BrokerAddress.TryParse(options.Broker, out _broker, out var error))
        {
            throw new ArgumentException($"Uplink:Broker = '{options.Broker}': {error}", nameof(options));
        }

        _encoding = UplinkEncodings.TryParse(options.Encoding, out var encoding)
            ? encoding
            : throw new ArgumentException($"Uplink:Encoding = '{options.Encoding}': expected cbor or json", nameof(options));
        _topics = new MqttTopics(options.TopicPrefix, device.Site, device.Id);
        _time = time;
        _logger = logger;
        if (options.CaFile is { Length: > 0 } caFile)
        {
            _pinnedCa = LoadAuthorities(caFile);
        }

        if (options.ClientCertFile is { Length: > 0 } certFile)
        {
            _clientCertificate = LoadClientCertificate(certFile, options.ClientKeyFile);
        }

        _clientOptions = BuildOptions(ClientIdFor(_options, device), withWill: true);
        _client = new MqttClientFactory().CreateMqttClient();
        _client.DisconnectedAsync += OnDisconnectedAsync;
        _client.ApplicationMessageReceivedAsync += OnMessageReceivedAsync;
    }

    /// <summary>The broker as shown to people: scheme, host and port, never credentials.</summary>
    public string Broker => _broker.ToString();

    public MqttTopics Topics => _topics;

    public bool IsConnected
    {
        get
        {
            lock (_gate)
            {
                return _connected;
            }
        }
    }

    public string? LastError => Volatile.Read(ref _lastError);

    /// <summary>Connects and keeps the connection up until <paramref name="cancellationToken"/> fires; then says offline and disconnects.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var attempt = 0;
        var quickDrops = 0;
        var connectedAt = _time.GetTimestamp();
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                Task lost;
                try
                {
                    if (quickDrops > 0)
                    {
                        // The last connection dropped soon after it came up (e.g. a duplicate client id):
                        // keep backing off instead of reconnecting in a tight loop.
                        await Task.Delay(NextDelay(quickDrops), _time, cancellationToken).ConfigureAwait(false);
                    }

                    lost = await ConnectAsync(cancellationToken).ConfigureAwait(false);
                    connectedAt = _time.GetTimestamp();
                    attempt = 0;
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is not OutOfMemoryException)
                {
                    attempt++;
                    var delay = NextDelay(attempt);
                    var reason = Describe(ex);
                    Volatile.Write(ref _lastError, reason);
                    Log.ConnectFailed(_logger, Broker, reason, attempt, delay.TotalSeconds);
                    await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                await lost.WaitAsync(cancellationToken).ConfigureAwait(false);
                quickDrops = _time.GetElapsedTime(connectedAt) < StableConnection ? quickDrops + 1 : 0;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }

        await SayGoodbyeAsync().ConfigureAwait(false);
    }

    private TimeSpan NextDelay(int attempt) => _reconnect.Delay(attempt);

    public async Task<int> WaitForConnectionAsync(int afterConnection, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (_connected && _connection > afterConnection)
                {
                    return _connection;
                }

                changed = _changed.Task;
            }

            await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public Task<UplinkSendResult> SendAsync(OutboxEntry entry, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return PublishConfirmedAsync(() => BuildMessage(entry, payload), cancellationToken);
    }

    /// <summary>One QoS 1 publish inside the connection's window; completes on its PUBACK, or when the link failed.</summary>
    private async Task<UplinkSendResult> PublishConfirmedAsync(Func<MqttApplicationMessage> build, CancellationToken cancellationToken)
    {
        int connection;
        SemaphoreSlim quota;
        lock (_gate)
        {
            connection = _connection;
            quota = _quota;
            if (!_connected)
            {
                return UplinkSendResult.LinkFailed(connection, "not connected");
            }
        }

        var message = build();
        await quota.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var sentAt = _time.GetTimestamp();
            var result = await _client.PublishAsync(message, cancellationToken).ConfigureAwait(false);
            Interlocked.Exchange(ref _lastRoundTripTicks, _time.GetTimestamp() - sentAt);
            return result.ReasonCode is MqttClientPublishReasonCode.Success or MqttClientPublishReasonCode.NoMatchingSubscribers
                ? UplinkSendResult.Confirmed(connection)
                : UplinkSendResult.Refused(connection, DescribeRefusal(result.ReasonCode, result.ReasonString));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return UplinkSendResult.LinkFailed(connection, "stopping");
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // No PUBACK on this connection: make sure it is dropped, so the next one resends in order.
            ForceReconnect(connection, ex.Message);
            return UplinkSendResult.LinkFailed(connection, ex.Message);
        }
        finally
        {
            quota.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await SayGoodbyeAsync().ConfigureAwait(false);
        _client.Dispose();
        foreach (var authority in _pinnedCa ?? [])
        {
            authority.Dispose();
        }

        _clientCertificate?.Dispose();
    }

    /// <summary>A PUBACK refusal as people read it: the code's name (or number and meaning) and the broker's reason string.</summary>
    private static string DescribeRefusal(MqttClientPublishReasonCode code, string? reasonString)
    {
        var name = Enum.IsDefined(code)
            ? code.ToString()
            : (int)code switch
            {
                0x95 => "PacketTooLarge (reason code 149)",
                0x97 => "QuotaExceeded (reason code 151)",
                var other => $"reason code {other}",
            };
        return $"{name} {reasonString}".Trim();
    }

    private async Task<Task> ConnectAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(_options.TimeoutSeconds));
        Volatile.Write(ref _certificateProblem, null);
        var result = await _client.ConnectAsync(_clientOptions, timeout.Token).ConfigureAwait(false);
        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            throw new UplinkConnectException(DescribeRefusal(result.ResultCode, result.ReasonString));
        }

        var birth = new MqttApplicationMessageBuilder()
            .WithTopic(_topics.State)
            .WithPayload(Online)
            .WithRetainFlag()
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        await _client.PublishAsync(birth, timeout.Token).ConfigureAwait(false);
        await SubscribeDesiredAsync(timeout.Token).ConfigureAwait(false);

        var window = Math.Max(1, Math.Min(_options.Window, (int?)result.ReceiveMaximum is > 0 and var max ? max : 65_535));
        Task lost;
        TaskCompletionSource changed;
        int connection;
        lock (_gate)
        {
            _connection++;
            connection = _connection;
            _connected = true;
            _quota = new SemaphoreSlim(window, window);
            lost = _lost.Task;
            changed = _changed;
            _changed = NewSignal();
        }

        changed.TrySetResult();
        Volatile.Write(ref _lastError, null);
        Log.Connected(_logger, Broker, connection, window);
        Subscribed?.Invoke();
        return lost;
    }

    private Task OnDisconnectedAsync(MqttClientDisconnectedEventArgs args)
    {
        TaskCompletionSource lost;
        TaskCompletionSource changed;
        bool wasConnected;
        lock (_gate)
        {
            wasConnected = _connected;
            _connected = false;
            lost = _lost;
            _lost = NewSignal();
            changed = _changed;
            _changed = NewSignal();
        }

        if (wasConnected && !_stopping)
        {
            var reason = args.Exception is null ? args.Reason.ToString() : $"{args.Reason}: {Describe(args.Exception)}";
            Volatile.Write(ref _lastError, reason);
            Log.Disconnected(_logger, Broker, reason);
        }

        lost.TrySetResult();
        changed.TrySetResult();
        return Task.CompletedTask;
    }

    private void ForceReconnect(int connection, string reason)
    {
        lock (_gate)
        {
            if (!_connected || connection != _connection)
            {
                return;
            }
        }

        Log.PublishFailed(_logger, connection, reason);
        _ = _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder()
            .WithReason(MqttClientDisconnectOptionsReason.UnspecifiedError)
            .Build(), CancellationToken.None).ContinueWith(static _ => { }, TaskScheduler.Default);
    }

    private async Task SayGoodbyeAsync()
    {
        _stopping = true;
        if (!_client.IsConnected)
        {
            return;
        }

        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            var goodbye = new MqttApplicationMessageBuilder()
                .WithTopic(_topics.State)
                .WithPayload(Offline)
                .WithRetainFlag()
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .Build();
            await _client.PublishAsync(goodbye, timeout.Token).ConfigureAwait(false);
            await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.GoodbyeFailed(_logger, ex.Message);
        }
    }

    private MqttApplicationMessage BuildMessage(OutboxEntry entry, ReadOnlyMemory<byte> payload)
    {
        var builder = new MqttApplicationMessageBuilder()
            .WithTopic(_topics.For(entry))
            .WithPayload(new ReadOnlySequence<byte>(payload))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        if (entry.AlertId is { } alertId)
        {
            builder.WithUserProperty(AlertIdProperty, Encoding.UTF8.GetBytes(alertId.ToString("D")).AsMemory());
        }

        switch (entry.Class)
        {
            case OutboxClass.Alarm:
                builder.WithContentType(UplinkEncodings.ContentType(_encoding));
                break;
            case OutboxClass.Snapshot:
                builder.WithContentType("image/jpeg");
                break;
        }

        return builder.Build();
    }

    /// <summary>The client id the service connects with: <c>Uplink:ClientId</c>, else the device's default.</summary>
    public static string ClientIdFor(UplinkOptions options, DeviceOptions device)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(device);
        return options.ClientId is { Length: > 0 } id ? id : DeviceClientIds.DefaultFor(device.Site, device.Id);
    }

    private MqttClientOptions BuildOptions(string clientId, bool withWill)
    {
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(_broker.Host, _broker.Port)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithClientId(clientId)
            .WithCleanStart(true)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(_options.KeepAliveSeconds))
            .WithTimeout(TimeSpan.FromSeconds(_options.TimeoutSeconds))
            // Header and payload in one socket write: a drain of small alerts is write-bound (about 10% faster here).
            .WithoutPacketFragmentation();
        if (withWill)
        {
            builder.WithWillTopic(_topics.State)
                .WithWillPayload(Offline)
                .WithWillRetain(true)
                .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        }

        if (_options.Username is { Length: > 0 } username)
        {
            builder.WithCredentials(username, _options.Password ?? "");
        }

        if (_broker.Tls)
        {
            builder.WithTlsOptions(tls =>
            {
                tls.UseTls(true)
                    .WithTargetHost(_broker.Host)
                    .WithSslProtocols(SslProtocols.Tls12 | SslProtocols.Tls13);
                if (_pinnedCa is not null)
                {
                    tls.WithCertificateValidationHandler(args => ValidateAgainstPinnedCa(args.Certificate, args.SslPolicyErrors));
                }

                if (_clientCertificate is not null)
                {
                    tls.WithClientCertificates([_clientCertificate]);
                }
            });
        }

        return builder.Build();
    }

    /// <summary>The broker's certificate must chain to the configured CA (and only to it) and match the host name.</summary>
    private bool ValidateAgainstPinnedCa(X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (certificate is null)
        {
            Volatile.Write(ref _certificateProblem, "the broker sent no certificate");
            return false;
        }

        if ((errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
        {
            Volatile.Write(ref _certificateProblem, $"the broker's certificate does not match host '{_broker.Host}'");
            return false;
        }

        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_pinnedCa!);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = _time.GetUtcNow().UtcDateTime;
        if (chain.Build(leaf))
        {
            return true;
        }

        var status = string.Join(", ", chain.ChainStatus.Select(s => s.Status.ToString()).Distinct());
        Volatile.Write(ref _certificateProblem, $"the broker's certificate '{leaf.Subject}' is not signed by the pinned CA '{string.Join("', '", _pinnedCa!.Select(ca => ca.Subject))}' ({status})");
        return false;
    }

    /// <summary>The CA certificates of a PEM file (one or a bundle).</summary>
    public static X509Certificate2Collection LoadAuthorities(string caFile)
    {
        var authorities = new X509Certificate2Collection();
        authorities.ImportFromPemFile(caFile);
        return authorities.Count > 0
            ? authorities
            : throw new CryptographicException($"no PEM certificate found in '{caFile}'");
    }

    /// <summary>A client certificate with its private key: PEM certificate plus PEM key, or a PKCS#12 file.</summary>
    public static X509Certificate2 LoadClientCertificate(string certFile, string? keyFile)
    {
        var extension = Path.GetExtension(certFile);
        if (extension.Equals(".pfx", StringComparison.OrdinalIgnoreCase) || extension.Equals(".p12", StringComparison.OrdinalIgnoreCase))
        {
            return X509CertificateLoader.LoadPkcs12FromFile(certFile, password: null);
        }

        using var pem = X509Certificate2.CreateFromPemFile(certFile, keyFile);

        // SslStream wants a key it can use for the handshake; a PKCS#12 round trip gives it one on every platform.
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), password: null);
    }

    private string Describe(Exception ex)
    {
        if (ex is UplinkConnectException)
        {
            return ex.Message;
        }

        for (var inner = ex; inner is not null; inner = inner.InnerException)
        {
            switch (inner)
            {
                case AuthenticationException:
                    return "TLS handshake failed: " + (Volatile.Read(ref _certificateProblem) ?? inner.Message);
                case SocketException socket:
                    return $"cannot reach the broker: {socket.SocketErrorCode}";
                case OperationCanceledException:
                    return $"no answer from the broker within {_options.TimeoutSeconds} s";
            }
        }

        var text = new StringBuilder(ex.Message);
        if (ex.InnerException is { } cause && !string.IsNullOrEmpty(cause.Message) && cause.Message != ex.Message)
        {
            text.Append(": ").Append(cause.Message);
        }

        return text.ToString();
    }

    private string DescribeRefusal(MqttClientConnectResultCode code, string? reason)
    {
        var user = _options.Username is { Length: > 0 } name ? $"user '{name}'" : "an anonymous client";
        var hint = code switch
        {
            MqttClientConnectResultCode.BadUserNameOrPassword or MqttClientConnectResultCode.NotAuthorized =>
                $"; check Uplink:Username and Uplink:Password{(_clientCertificate is null ? "" : " and Uplink:ClientCertFile")}",
            MqttClientConnectResultCode.ClientIdentifierNotValid => "; check Uplink:ClientId",
            _ => "",
        };
        return $"broker refused the login of {user}: {code}{hint}{(string.IsNullOrEmpty(reason) ? "" : $" ({reason})")}";
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static partial class Log
    {
        [LoggerMessage(EventId = UplinkLogEvents.LinkConnected, Level = LogLevel.Information, Message = "Uplink connected to {Broker} (connection {Connection}, window {Window})")]
        public static partial void Connected(ILogger logger, string broker, int connection, int window);

        [LoggerMessage(EventId = UplinkLogEvents.LinkConnectFailed, Level = LogLevel.Warning, Message = "Uplink cannot connect to {Broker}: {Reason}; attempt {Attempt}, retrying in {Seconds:F1} s; the outbox keeps everything")]
        public static partial void ConnectFailed(ILogger logger, string broker, string reason, int attempt, double seconds);

        [LoggerMessage(EventId = UplinkLogEvents.LinkDisconnected, Level = LogLevel.Warning, Message = "Uplink lost {Broker}: {Reason}; unconfirmed records will be sent again")]
        public static partial void Disconnected(ILogger logger, string broker, string reason);

        [LoggerMessage(EventId = UplinkLogEvents.LinkPublishFailed, Level = LogLevel.Warning, Message = "Uplink publish on connection {Connection} got no PUBACK ({Reason}); reconnecting")]
        public static partial void PublishFailed(ILogger logger, int connection, string reason);

        [LoggerMessage(EventId = UplinkLogEvents.LinkSubscribeRefused, Level = LogLevel.Warning, Message = "Uplink subscription to {Topic} was refused ({Code}); the box will not receive fleet configuration until the broker allows it")]
        public static partial void SubscribeRefused(ILogger logger, string topic, string code);

        [LoggerMessage(EventId = UplinkLogEvents.LinkGoodbyeFailed, Level = LogLevel.Debug, Message = "Uplink could not say offline before stopping: {Reason}")]
        public static partial void GoodbyeFailed(ILogger logger, string reason);
    }
}

/// <summary>The broker answered the CONNECT but refused it; the message says why and which setting to check.</summary>
public sealed class UplinkConnectException : Exception
{
    public UplinkConnectException()
    {
    }

    public UplinkConnectException(string message)
        : base(message)
    {
    }

    public UplinkConnectException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
