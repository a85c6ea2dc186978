namespace EdgeGateway.Contracts;

/// <summary>
/// The MQTT client ids a device connects with: the box's default <c>edgegw-{site}-{device}</c> (or a client id
/// registered with the device), and for <c>edgegw doctor</c>'s probe the same id with <see cref="ProbeSuffix"/>, so
/// a probe never takes over the running service's session. Names and registered ids never contain '/', so a
/// probe id can only ever belong to one device.
/// </summary>
public static class DeviceClientIds
{
    public const string DefaultPrefix = "edgegw-";
    public const string ProbeSuffix = "/doctor";

    public static string DefaultFor(string site, string device) => $"{DefaultPrefix}{site}-{device}";

    public static string ProbeFor(string clientId) => clientId + ProbeSuffix;

    /// <summary>The service's client id a probe id stands for, or the id itself when it is no probe.</summary>
    public static string ServiceIdOf(string clientId)
    {
        ArgumentNullException.ThrowIfNull(clientId);
        return clientId.EndsWith(ProbeSuffix, StringComparison.Ordinal) ? clientId[..^ProbeSuffix.Length] : clientId;
    }
}
