namespace EdgeGateway.Contracts;

/// <summary>
/// A broker URL as every program reads it: the box's <c>Uplink:Broker</c>, the installer's answer, the relay's
/// <c>Relay:Mqtt:Broker</c> and <c>PublicBroker</c>, and the broker a claim names. <c>mqtt://</c> and <c>tcp://</c>
/// are plain, <c>mqtts://</c>, <c>ssl://</c> and <c>tls://</c> are TLS (the aliases other MQTT clients write);
/// the port defaults to 1883 or 8883. No user name (credentials have keys of their own) and no path.
/// </summary>
public sealed record BrokerAddress(string Host, int Port, bool Tls)
{
    /// <summary>What every reader says after the key and the value when a URL is refused.</summary>
    public const string Expected = "expected mqtt://host[:port] or mqtts://host[:port] (tcp://, ssl:// and tls:// are accepted too)";

    /// <summary>The canonical form: <c>mqtt://</c> or <c>mqtts://</c> with the port written out.</summary>
    public override string ToString() => $"{(Tls ? "mqtts" : "mqtt")}://{Host}:{Port}";

    public static bool TryParse(string? text, out BrokerAddress address, out string error)
    {
        address = new BrokerAddress("", 0, false);
        if (string.IsNullOrWhiteSpace(text) || !Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
        {
            error = Expected;
            return false;
        }

        bool? tls = uri.Scheme switch
        {
            "mqtt" or "tcp" => false,
            "mqtts" or "ssl" or "tls" => true,
            _ => null,
        };
        if (tls is null)
        {
            error = $"scheme '{uri.Scheme}' is not supported; {Expected}";
            return false;
        }

        if (uri.UserInfo.Length > 0)
        {
            error = $"a user name in the URL is not allowed (credentials have their own keys); {Expected}";
            return false;
        }

        if (uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.Fragment.Length > 0)
        {
            error = $"a path in the URL is not allowed; {Expected}";
            return false;
        }

        address = new BrokerAddress(uri.Host, uri.IsDefaultPort || uri.Port <= 0 ? (tls.Value ? 8883 : 1883) : uri.Port, tls.Value);
        error = "";
        return true;
    }

    /// <summary>The one line a reader prints for a refused URL, or null when it parses. A password in it is not repeated.</summary>
    public static string? Problem(string key, string? text) =>
        TryParse(text, out _, out var error) ? null : $"{key} = '{Redacted(text)}': {error}";

    /// <summary>The URL as a problem line may show it: a user name and password replaced by <c>***</c>.</summary>
    public static string? Redacted(string? text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.UserInfo.Length > 0
            ? text!.Replace(uri.UserInfo + "@", "***@", StringComparison.Ordinal)
            : text;
}
