using System.Security.Cryptography;
using EdgeGateway.Contracts;
using EdgeGateway.Uplink.Configuration;
using EdgeGateway.Uplink.Mqtt;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MQTTnet;
using EdgeGateway.Core.Configuration;

namespace EdgeGateway.Host.Setup.Doctor;

/// <summary>
/// The broker is reachable and accepts the device's credentials. The probe is the uplink's own client with
/// the service's settings (TLS, pinned CA, client certificate), under its own client id
/// (the service's own id with <c>/doctor</c>, which the relay accepts as the device's) and without a Last Will, so it never kicks the running gateway's session off the broker.
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

        if (BrokerAddress.Problem("Uplink:Broker", settings.Broker) is { } problem)
        {
            return [DoctorResult.Fail(Name, problem, "fix Uplink:Broker")];
        }

        if (context.Live?.Uplink is { } uplink)
        {
            var health = uplink.GetHealth();
            return health.Connected
                ? [DoctorResult.Pass(Name, $"the gateway is connected to {settings.Broker}")]
                : [DoctorResult.Fail(Name, $"the gateway is not connected to {settings.Broker}: {health.LastError ?? "no error reported"}", Hint(health.LastError))];
        }

        return [await ProbeAsync(context, settings, cancellationToken)];
    }

    /// <summary>Probes through the uplink's own client (<see cref="MqttUplinkTransport.ProbeAsync"/>), so TLS, the pinned CA and client certificates count exactly as in <c>run</c>.</summary>
    private async Task<DoctorResult> ProbeAsync(DoctorContext context, GatewaySettings settings, CancellationToken cancellationToken)
    {
        UplinkOptions uplink;
        DeviceOptions device;
        try
        {
            uplink = context.Services?.GetService<IOptions<UplinkOptions>>()?.Value
                ?? context.Configuration.GetSection(UplinkOptions.Section).Get<UplinkOptions>() ?? new UplinkOptions();
            device = context.Services?.GetService<IOptions<DeviceOptions>>()?.Value
                ?? context.Configuration.GetSection(DeviceOptions.Section).Get<DeviceOptions>() ?? new DeviceOptions();
        }
        catch (OptionsValidationException ex)
        {
            return DoctorResult.Fail(Name, string.Join("; ", ex.Failures), "fix the Uplink and Device settings (see the config line)");
        }

        MqttUplinkTransport transport;
        try
        {
            transport = new MqttUplinkTransport(uplink, device, context.Time, NullLogger<MqttUplinkTransport>.Instance);
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException or IOException or UnauthorizedAccessException)
        {
            return DoctorResult.Fail(Name, ex.Message, "fix Uplink:CaFile, Uplink:ClientCertFile and Uplink:ClientKeyFile (PEM files readable by the service)");
        }

        await using (transport)
        {
            var result = await transport.ProbeAsync(DeviceClientIds.ProbeFor(MqttUplinkTransport.ClientIdFor(uplink, device)), cancellationToken);
            var where = result.Broker;
            var tls = BrokerAddress.TryParse(settings.Broker, out var address, out _) && address.Tls;
            if (result.Refusal is { } code)
            {
                return Refused(where, code, settings);
            }

            if (!result.Accepted)
            {
                return DoctorResult.Fail(Name, $"cannot connect to {where}: {result.Error}",
                    result.Error?.StartsWith("TLS", StringComparison.Ordinal) == true
                        ? "check Uplink:CaFile names the CA that signed the broker's certificate, and the broker's host name"
                        : "check the broker address and port, DNS, and that the firewall allows outbound MQTT (1883/8883)");
            }

            return string.IsNullOrEmpty(settings.Username) && string.IsNullOrEmpty(settings.ClientCertificate)
                ? DoctorResult.Warn(Name, $"{where} accepted an anonymous connection", "the relay needs device credentials: `edgegw provision --claim-code <code> --force`")
                : DoctorResult.Pass(Name, $"{where} accepted {(string.IsNullOrEmpty(settings.Username) ? "the client certificate" : $"user '{settings.Username}'")}{(tls ? " over TLS" : string.Empty)}");
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


}
