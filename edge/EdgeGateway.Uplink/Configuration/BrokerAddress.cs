namespace EdgeGateway.Uplink.Configuration;

/// <summary>A parsed <c>Uplink:Broker</c>: <c>mqtt://host[:port]</c> or <c>mqtts://host[:port]</c>.</summary>
public sealed record BrokerAddress(string Host, int Port, bool Tls)
{
    public override string ToString() => $"{(Tls ? "mqtts" : "mqtt")}://{Host}:{Port}";

    public static bool TryParse(string? text, out BrokerAddress address, out string error)
    {
        address = new BrokerAddress("", 0, false);
        if (string.IsNullOrWhiteSpace(text) || !Uri.TryCreate(text, UriKind.Absolute, out var uri))
        {
            error = "expected mqtt://host:port or mqtts://host:port";
            return false;
        }

        var tls = uri.Scheme switch
        {
            "mqtt" or "tcp" => false,
            "mqtts" or "ssl" or "tls" => true,
            _ => (bool?)null,
        };
        if (tls is null)
        {
            error = $"scheme '{uri.Scheme}' is not supported; expected mqtt:// or mqtts://";
            return false;
        }

        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            error = "credentials in the URL are not allowed; expected Uplink:Username and Uplink:Password";
            return false;
        }

        address = new BrokerAddress(uri.Host, uri.IsDefaultPort || uri.Port <= 0 ? (tls.Value ? 8883 : 1883) : uri.Port, tls.Value);
        error = "";
        return true;
    }
}
