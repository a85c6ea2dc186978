using MQTTnet;

namespace EdgeGateway.Uplink.Mqtt;

/// <summary>What one probe connection found.</summary>
/// <param name="Broker">The broker as shown to people (scheme, host, port).</param>
/// <param name="Accepted">The broker accepted the login.</param>
/// <param name="Refusal">The broker's CONNACK code when it refused the login.</param>
/// <param name="Error">One line on what went wrong, in the words the running uplink logs.</param>
public sealed record UplinkProbeResult(string Broker, bool Accepted, MqttClientConnectResultCode? Refusal, string? Error);

public sealed partial class MqttUplinkTransport
{
    /// <summary>
    /// Connects once with exactly the settings the service uses (broker, TLS, pinned CA, client certificate,
    /// credentials) under <paramref name="clientId"/>, without a Last Will and without publishing, then
    /// disconnects. <c>edgegw doctor</c> uses it, so it sees what <c>run</c> would see without kicking the
    /// running gateway's session off the broker.
    /// </summary>
    public async Task<UplinkProbeResult> ProbeAsync(string clientId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(clientId);
        using var client = new MqttClientFactory().CreateMqttClient();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(_options.TimeoutSeconds));
        Volatile.Write(ref _certificateProblem, null);
        try
        {
            var result = await client.ConnectAsync(BuildOptions(clientId, withWill: false), timeout.Token).ConfigureAwait(false);
            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                return new UplinkProbeResult(Broker, false, result.ResultCode, DescribeRefusal(result.ResultCode, result.ReasonString));
            }

            await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), CancellationToken.None).ConfigureAwait(false);
            return new UplinkProbeResult(Broker, true, null, null);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is not OutOfMemoryException)
        {
            var refusal = RefusalIn(ex);
            return new UplinkProbeResult(Broker, false, refusal, refusal is { } code ? DescribeRefusal(code, null) : Describe(ex));
        }
    }

    /// <summary>MQTTnet reports some refusals as an exception whose message names the CONNACK code.</summary>
    private static MqttClientConnectResultCode? RefusalIn(Exception ex)
    {
        for (var inner = ex; inner is not null; inner = inner.InnerException)
        {
            if (inner is MQTTnet.Adapter.MqttConnectingFailedException failed)
            {
                return Enum.GetValues<MqttClientConnectResultCode>()
                    .Where(code => code != MqttClientConnectResultCode.Success && failed.Message.Contains(code.ToString(), StringComparison.Ordinal))
                    .Select(code => (MqttClientConnectResultCode?)code)
                    .FirstOrDefault();
            }
        }

        return null;
    }
}
