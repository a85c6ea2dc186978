using System.Globalization;
using System.Net.Sockets;
using MQTTnet;
using MQTTnet.Adapter;
using MQTTnet.Exceptions;

namespace EdgeGateway.Host.Setup.Doctor;

/// <summary>
/// The broker is reachable and accepts the device's credentials. The probe connects under its
/// own client id (<c>{device}-doctor</c>) with a clean start, so it never kicks the running
/// gateway's session off the broker.
/// </summary>
internal sealed class BrokerCheck : IDoctorCheck
{
    public string Name => "broker";

    public async Task<IReadOnlyList<DoctorResult>> RunAsync(DoctorContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var settings = context.Settings;
        if (string.IsNullOrEmpty(settings.Broker))
        {
            return [DoctorResult.Warn(Name, "no Uplink:Broker configured; alerts stay in the outbox", "set the broker with `edgegw provision --broker mqtts://host:8883`")];
        }

        if (GatewaySettingsValidator.Broker(settings.Broker, required: true) is { } invalid
            || !Uri.TryCreate(settings.Broker, UriKind.Absolute, out var uri))
        {
            return [DoctorResult.Fail(Name, $"Uplink:Broker = '{settings.Broker}': {GatewaySettingsValidator.Broker(settings.Broker, true)}", "fix Uplink:Broker")];
        }

        if (context.Live?.Uplink is { } uplink)
        {
            var health = uplink.GetHealth();
            return health.Connected
                ? [DoctorResult.Pass(Name, $"the gateway is connected to {settings.Broker}")]
                : [DoctorResult.Fail(Name, $"the gateway is not connected to {settings.Broker}: {health.LastError ?? "no error reported"}", Hint(health.LastError))];
        }

        return [await ProbeAsync(uri, settings, cancellationToken)];
    }

    private async Task<DoctorResult> ProbeAsync(Uri broker, GatewaySettings settings, CancellationToken cancellationToken)
    {
        var tls = broker.Scheme == "mqtts";
        var port = broker.IsDefaultPort || broker.Port <= 0 ? (tls ? 8883 : 1883) : broker.Port;
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(broker.Host, port)
            .WithClientId($"{settings.DeviceId ?? "edgegw"}-doctor")
            .WithCleanStart()
            .WithTimeout(TimeSpan.FromSeconds(5));
        if (!string.IsNullOrEmpty(settings.Username))
        {
            builder.WithCredentials(settings.Username, settings.Password ?? string.Empty);
        }

        if (tls)
        {
            builder.WithTlsOptions(options => options.UseTls());
        }

        using var client = new MqttClientFactory().CreateMqttClient();
        var where = $"{broker.Host}:{port.ToString(CultureInfo.InvariantCulture)}";
        try
        {
            var result = await client.ConnectAsync(builder.Build(), cancellationToken);
            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                return Refused(where, result.ResultCode, settings);
            }

            await client.DisconnectAsync(cancellationToken: cancellationToken);
            return string.IsNullOrEmpty(settings.Username) && string.IsNullOrEmpty(settings.ClientCertificate)
                ? DoctorResult.Warn(Name, $"{where} accepted an anonymous connection", "the relay needs device credentials: `edgegw provision --claim-code <code> --force`")
                : DoctorResult.Pass(Name, $"{where} accepted user '{settings.Username}'{(tls ? " over TLS" : string.Empty)}");
        }
        catch (MqttConnectingFailedException ex) when (RefusalIn(ex.Message) is { } code)
        {
            return Refused(where, code, settings);
        }
        catch (Exception ex) when (ex is MqttCommunicationException or SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return DoctorResult.Fail(Name, $"cannot reach {where}: {Root(ex).Message}", "check the broker address and port, DNS, and that the firewall allows outbound MQTT (1883/8883)");
        }
    }

    private DoctorResult Refused(string where, MqttClientConnectResultCode code, GatewaySettings settings) =>
        code is MqttClientConnectResultCode.BadUserNameOrPassword or MqttClientConnectResultCode.NotAuthorized
            ? DoctorResult.Fail(Name, $"{where} refused user '{settings.Username}': {code}", Hint("credentials"))
            : DoctorResult.Fail(Name, $"{where} refused the connection: {code}", "ask the relay operator whether this device is registered and allowed");

    private static string Hint(string? error) =>
        error is not null && (error.Contains("password", StringComparison.OrdinalIgnoreCase) || error.Contains("authori", StringComparison.OrdinalIgnoreCase) || error == "credentials")
            ? "the device credentials are wrong or revoked: re-register with `edgegw provision --claim-code <new code> --force`, or fix Uplink:Username/Uplink:Password"
            : "check the broker address, the network and the firewall (outbound 1883/8883)";

    private static MqttClientConnectResultCode? RefusalIn(string message) =>
        Enum.GetValues<MqttClientConnectResultCode>()
            .Where(code => code != MqttClientConnectResultCode.Success && message.Contains(code.ToString(), StringComparison.Ordinal))
            .Select(code => (MqttClientConnectResultCode?)code)
            .FirstOrDefault();

    private static Exception Root(Exception ex) => ex.InnerException is { } inner ? Root(inner) : ex;
}
