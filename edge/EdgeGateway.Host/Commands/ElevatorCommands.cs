using System.CommandLine;

namespace EdgeGateway.Host.Commands;

/// <summary>The elevator verbs of edgegw.</summary>
internal static class ElevatorCommands
{
    public static void Register(RootCommand root, Command bench)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(bench);
    }
}
