using CloudRelay.Storage;

namespace CloudRelay.Devices;

/// <summary>
/// Which MQTT client ids a device may connect with: its own <c>edgegw-{site}-{device}</c> (the box's default), or
/// the one client id registered with it. Any other id could name another device's session, so it is refused.
/// </summary>
public static class ClientIds
{
    public const string DefaultPrefix = "edgegw-";
    public const int MaxLength = 128;

    public static string DefaultFor(string site, string device) => $"{DefaultPrefix}{site}-{device}";

    public static bool IsOwn(DeviceRecord device, string? clientId)
    {
        ArgumentNullException.ThrowIfNull(device);
        return clientId is { Length: > 0 }
               && (string.Equals(clientId, DefaultFor(device.Site, device.Device), StringComparison.Ordinal)
                   || string.Equals(clientId, device.ClientId, StringComparison.Ordinal));
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
