using System.CommandLine;

namespace EdgeGateway.Host.Commands;

/// <summary>Installer and technician verbs: provision, doctor.</summary>
internal static class SetupCommands
{
    public static void Register(RootCommand root) => ArgumentNullException.ThrowIfNull(root);
}
