using EdgeGateway.Contracts;
using CloudRelay.Database;

namespace CloudRelay.Devices;

/// <summary>
/// Which MQTT client ids a device may connect with: its own <c>edgegw-{site}-{device}</c> (the box's default), or
/// the one client id registered with it, each also as doctor's probe id. Any other id could name another device's
/// session, so it is refused.
/// </summary>
public static class ClientIds
{
    public const string DefaultPrefix = DeviceClientIds.DefaultPrefix;
    public const int MaxLength = 128;

    public static string DefaultFor(string site, string device) => DeviceClientIds.DefaultFor(site, device);

    public static bool IsOwn(DeviceRecord device, string? clientId)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (clientId is not { Length: > 0 })
        {
            return false;
        }

        // doctor's probe id stands for the service's own id.
        var serviceId = DeviceClientIds.ServiceIdOf(clientId);
        return string.Equals(serviceId, DefaultFor(device.Site, device.Device), StringComparison.Ordinal)
               || string.Equals(serviceId, device.ClientId, StringComparison.Ordinal);
    }

    /// <summary>
    /// A client id that may be registered: printable ASCII without wildcards, and never in the <c>edgegw-</c>
    /// space unless it is the device's own default (so no device can register another's default id).
    /// </summary>
    public static string? Problem(string site, string device, string? clientId)
    {
        if (clientId is null || clientId.Length is 0 or > MaxLength || clientId.Any(c => c is <= ' ' or > '~' or '+' or '#' or '/'))
        {
            return $"client id '{clientId}' is invalid; expected 1-{MaxLength} printable ASCII characters without spaces, '/', '+' or '#'";
        }

        return clientId.StartsWith(DefaultPrefix, StringComparison.Ordinal) && clientId != DefaultFor(site, device)
            ? $"client id '{clientId}' is invalid; ids starting '{DefaultPrefix}' are reserved for edgegw-{{site}}-{{device}}"
            : null;
    }
}
