using System.CommandLine;

namespace EdgeGateway.Host.Commands;

/// <summary>The vision verbs of edgegw.</summary>
internal static class VisionCommands
{
    public static void Register(RootCommand root, Command bench)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(bench);
    }
}
