using System.Net;
using CloudRelay.Settings;
using Microsoft.Extensions.Options;

namespace CloudRelay.Tls;

/// <summary>
/// The listeners' settings, checked when the relay runs (not by verbs that only open the registry): addresses,
/// and a certificate unless plain MQTT is explicitly allowed. One line per problem.
/// </summary>
public sealed class RelayListenersValidator : IValidateOptions<RelayOptions>
{
    public ValidateOptionsResult Validate(string? name, RelayOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var mqtt = options.Mqtt;
        var problems = new List<string>();
        if (mqtt.BindAddress is { Length: > 0 } bind && !IPAddress.TryParse(bind, out _))
        {
            problems.Add($"Relay:Mqtt:BindAddress '{bind}' is invalid; expected an IP address such as 127.0.0.1 (loopback, the default) or 0.0.0.0");
        }

        if (!IPAddress.TryParse(mqtt.TlsBindAddress, out _))
        {
            problems.Add($"Relay:Mqtt:TlsBindAddress '{mqtt.TlsBindAddress}' is invalid; expected an IP address such as 0.0.0.0");
        }

        if (RelayTls.CertificateProblem(options) is { } certificateProblem)
        {
            problems.Add(certificateProblem);
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
