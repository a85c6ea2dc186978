using System.CommandLine;

namespace EdgeGateway.Host.Commands;

/// <summary>The uplink verbs of edgegw.</summary>
internal static class UplinkCommands
{
    public static void Register(RootCommand root, Command bench)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(bench);
    }
}
