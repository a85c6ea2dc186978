using Microsoft.Extensions.Configuration;

namespace EdgeGateway.Core.Configuration;

/// <summary>
/// <c>Storage:*</c>: where the box keeps its durable state. The one owner of the data folder: the outbox, the alert
/// sequence, the elevator's log, evidence, the page's keys, sessions and certificate and the signal check all live
/// under <see cref="DataDir"/>, and an unset key means <see cref="GatewayPaths.DefaultDataDir"/> for every one of them.
/// </summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";

    public const string DataDirKey = "Storage:DataDir";

    /// <summary>The data folder; default <c>/var/lib/edgegw</c>.</summary>
    public string DataDir { get; set; } = GatewayPaths.DefaultDataDir;

    /// <summary>The data folder as the options will hold it, for wiring that runs before options exist.</summary>
    public static string DataDirIn(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return GatewayPaths.DataDir(configuration[DataDirKey]);
    }
}
