using System.CommandLine;

namespace EdgeGateway.Host.Commands;

/// <summary>Verbs that run the gateway: run, demo.</summary>
internal static class ServiceCommands
{
    public static void Register(RootCommand root) => ArgumentNullException.ThrowIfNull(root);
}
