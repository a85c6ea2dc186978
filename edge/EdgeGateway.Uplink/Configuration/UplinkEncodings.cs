using EdgeGateway.Core.Alerts;

namespace EdgeGateway.Uplink.Configuration;

/// <summary>Parses <c>Uplink:Encoding</c> and names the matching MQTT content type.</summary>
public static class UplinkEncodings
{
    public static bool TryParse(string? text, out AlertEncoding encoding)
    {
        switch (text?.Trim().ToUpperInvariant())
        {
            case null or "" or "CBOR":
                encoding = AlertEncoding.Cbor;
                return true;
            case "JSON":
                encoding = AlertEncoding.Json;
                return true;
            default:
                encoding = AlertEncoding.Cbor;
                return false;
        }
    }

    public static string ContentType(AlertEncoding encoding) => encoding == AlertEncoding.Json ? "application/json" : "application/cbor";
}
