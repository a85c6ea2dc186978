using System.Diagnostics;
using EdgeGateway.Host.Tests.Supervision;
using EdgeGateway.Testing;

namespace EdgeGateway.Host.Tests.Fleet;

/// <summary>A real <c>edgegw run</c> child process on a config file, as systemd starts the service.</summary>
internal static class EdgegwRun
{
    public static ChildProcess Start(string config) =>
        ChildProcess.Start(new ProcessStartInfo(SystemdParent.DotnetHost, [Path.Combine(AppContext.BaseDirectory, "edgegw.dll"), "run", "--config", config])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        });

    /// <summary>Writes a box's own config file with mode 600, as an installer leaves one that holds credentials.</summary>
    public static string WriteConfig(string path, System.Text.Json.Nodes.JsonObject config)
    {
        File.WriteAllText(path, config.ToJsonString());
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }
}
