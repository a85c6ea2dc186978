using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using CloudRelay.Settings;
using Microsoft.Extensions.Logging;
using MQTTnet.Adapter;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Formatter;
using MQTTnet.Implementations;
using MQTTnet.Server;

namespace CloudRelay.Ingest;

/// <summary>
/// The embedded broker's TCP listeners, in place of MQTTnet's own. MQTTnet reads a packet's whole body once its
/// fixed header is in (it allocates what the header declares), and has no packet size limit of its own, so the
/// limit is enforced here, on the socket's bytes (<see cref="MqttFrameLimitStream"/>). The TLS handshake gets the
/// same deadline as the CONNECT. Reads the endpoints, certificate and client-certificate policy from the same
/// <see cref="MqttServerOptions"/> MQTTnet's adapter would; binds IPv6 only when the IPv4 address is 0.0.0.0.
/// </summary>
internal sealed partial class FrontDoorServerAdapter(RelayLimitsOptions limits, RelayCounters counters, LogThrottle logThrottle, ILogger logger) : IMqttServerAdapter
{
    private readonly List<Socket> _listeners = [];
    private CancellationTokenSource? _stopping;
    private MqttServerOptions? _options;
    private IMqttNetLogger? _mqttLogger;

    public Func<IMqttChannelAdapter, Task>? ClientHandler { get; set; }

    public Task StartAsync(MqttServerOptions options, IMqttNetLogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _mqttLogger = logger;
        _stopping = new CancellationTokenSource();
        try
        {
            if (options.DefaultEndpointOptions.IsEnabled)
            {
                Listen(options.DefaultEndpointOptions, null);
            }

            if (options.TlsEndpointOptions is { IsEnabled: true } tls)
            {
                Listen(tls, tls);
            }
        }
        catch
        {
            Close();
            throw;
        }

        return Task.CompletedTask;
    }

    public Task StopAsync()
    {
        Close();
        return Task.CompletedTask;
    }

    public void Dispose() => Close();

    private void Close()
    {
        _stopping?.Cancel();
        foreach (var socket in _listeners)
        {
            socket.Dispose();
        }

        _listeners.Clear();
        _stopping?.Dispose();
        _stopping = null;
    }

    private void Listen(MqttServerTcpEndpointBaseOptions endpoint, MqttServerTlsTcpEndpointOptions? tls)
    {
        // Each family as the endpoint says; IPAddress.None switches a family off (see RelayTls.ListenerAddresses).
        var addresses = new List<IPAddress>();
        if (!endpoint.BoundInterNetworkAddress.Equals(IPAddress.None))
        {
            addresses.Add(endpoint.BoundInterNetworkAddress);
        }

        if (!endpoint.BoundInterNetworkV6Address.Equals(IPAddress.None) && Socket.OSSupportsIPv6)
        {
            addresses.Add(endpoint.BoundInterNetworkV6Address);
        }

        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            if (address.AddressFamily == AddressFamily.InterNetworkV6)
            {
                socket.DualMode = false;
            }

            socket.NoDelay = endpoint.NoDelay;
            socket.Bind(new IPEndPoint(address, endpoint.Port));
            socket.Listen(endpoint.ConnectionBacklog);
            _listeners.Add(socket);
            _ = AcceptAsync(socket, endpoint, tls, _stopping!.Token);
        }
    }

    private async Task AcceptAsync(Socket listener, MqttServerTcpEndpointBaseOptions endpoint, MqttServerTlsTcpEndpointOptions? tls, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(stopping).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex)
            {
                Log.AcceptFailed(logger, ex.Message);
                continue;
            }

            client.NoDelay = endpoint.NoDelay;
            _ = Task.Run(() => ServeAsync(client, endpoint, tls, stopping), CancellationToken.None);
        }
    }

    private async Task ServeAsync(Socket socket, MqttServerTcpEndpointBaseOptions endpoint, MqttServerTlsTcpEndpointOptions? tls, CancellationToken stopping)
    {
        var remote = socket.RemoteEndPoint;
        var started = TimeProvider.System.GetTimestamp();
        MqttFrameLimitStream? framed = null;
        try
        {
            Stream stream = new NetworkStream(socket, ownsSocket: true);
            X509Certificate2? clientCertificate = null;
            if (tls?.CertificateProvider?.GetCertificate() is { } certificate)
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false, tls.RemoteCertificateValidationCallback);
                stream = ssl;
                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stopping);
                deadline.CancelAfter(limits.ConnectTimeout);
                await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                {
                    ServerCertificate = certificate,
                    ClientCertificateRequired = tls.ClientCertificateRequired,
                    EnabledSslProtocols = tls.SslProtocol,
                    CertificateRevocationCheckMode = tls.CheckCertificateRevocation ? X509RevocationMode.Online : X509RevocationMode.NoCheck,
                    EncryptionPolicy = EncryptionPolicy.RequireEncryption,
                    CipherSuitesPolicy = tls.CipherSuitesPolicy,
                }, deadline.Token).ConfigureAwait(false);
                clientCertificate = ssl.RemoteCertificate switch
                {
                    X509Certificate2 full => full,
                    { } other => X509CertificateLoader.LoadCertificate(other.GetRawCertData()),
                    null => null,
                };
            }

            framed = new MqttFrameLimitStream(stream, limits.MaxPacketBytes);
            var channel = new MqttTcpChannel(framed, socket.LocalEndPoint, remote, clientCertificate);
            var formatter = new MqttPacketFormatterAdapter(new MqttBufferWriter(_options!.WriterBufferSize, _options.WriterBufferSizeMax));
            using var adapter = new MqttChannelAdapter(channel, formatter, _mqttLogger);
            adapter.AllowPacketFragmentation = endpoint.AllowPacketFragmentation;
            if (ClientHandler is { } handler)
            {
                await handler(adapter).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or System.Security.Authentication.AuthenticationException or ObjectDisposedException)
        {
            // The client went away, failed its TLS handshake or took too long: nothing to answer.
        }
        finally
        {
            socket.Dispose();
            Account(framed, remote, TimeProvider.System.GetElapsedTime(started));
        }
    }

    private void Account(MqttFrameLimitStream? framed, EndPoint? remote, TimeSpan lasted)
    {
        var host = remote is IPEndPoint ip ? ip.Address.ToString() : remote?.ToString() ?? "?";
        if (framed?.RefusedPacketBytes is { } bytes)
        {
            counters.CountLimit(LimitNames.PacketTooLarge);
            if (logThrottle.ShouldLog("packet:" + host))
            {
                Log.PacketTooLarge(logger, host, bytes, limits.MaxPacketBytes);
            }
        }
        else if ((framed is null || framed.Packets == 0) && lasted >= limits.ConnectTimeout * 0.9)
        {
            counters.CountLimit(LimitNames.ConnectTimeout);
            if (logThrottle.ShouldLog("connect-timeout:" + host))
            {
                Log.ConnectTimedOut(logger, host, limits.ConnectTimeout.TotalSeconds);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = RelayLogEvents.FrontDoorPacketTooLarge, Level = LogLevel.Warning, Message = "Closed the connection from {Remote}: a packet of {Bytes} bytes is over Relay:Limits:MaxPacketBytes ({Max}) (logged at most once a minute per address)")]
        public static partial void PacketTooLarge(ILogger logger, string remote, long bytes, int max);

        [LoggerMessage(EventId = RelayLogEvents.FrontDoorConnectTimedOut, Level = LogLevel.Warning, Message = "Closed the connection from {Remote}: no CONNECT within {Seconds} s (Relay:Limits:ConnectTimeout; logged at most once a minute per address)")]
        public static partial void ConnectTimedOut(ILogger logger, string remote, double seconds);

        [LoggerMessage(EventId = RelayLogEvents.FrontDoorAcceptFailed, Level = LogLevel.Warning, Message = "Accepting an MQTT connection failed: {Error}")]
        public static partial void AcceptFailed(ILogger logger, string error);
    }
}
