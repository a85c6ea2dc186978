using System.Diagnostics;

namespace EdgeGateway.Testing;

/// <summary>
/// Starts a program the way systemd starts a service, as far as the program can tell: its parent
/// process is named <c>systemd</c> (Microsoft.Extensions.Hosting.Systemd reads
/// <c>/proc/&lt;ppid&gt;/comm</c> to decide whether to send <c>READY=1</c>), and <c>WATCHDOG_PID</c>
/// is the program's own pid when <c>WATCHDOG_USEC</c> is set. The launcher is a few lines of
/// python3 that rename themselves with prctl(PR_SET_NAME), fork, exec the program, pass SIGTERM on
/// and exit with the program's code (128 + signal when killed).
/// </summary>
public static class SystemdParent
{
    private const string Launcher = """
        import ctypes, os, signal, sys
        ctypes.CDLL(None).prctl(15, b"systemd", 0, 0, 0)
        env = dict(os.environ)
        pid = os.fork()
        if pid == 0:
            if "WATCHDOG_USEC" in env:
                env["WATCHDOG_PID"] = str(os.getpid())
            os.execvpe(sys.argv[1], sys.argv[1:], env)
        signal.signal(signal.SIGTERM, lambda *_: os.kill(pid, signal.SIGTERM))
        _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        sys.exit(code if code >= 0 else 128 - code)
        """;

    /// <summary>A start description for <paramref name="program"/> under the launcher; add environment and redirection as needed.</summary>
    public static ProcessStartInfo StartInfo(string program, params string[] arguments) =>
        new("python3", ["-c", Launcher, program, .. arguments])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };

    /// <summary>The name the kernel shows for a process (<c>/proc/&lt;pid&gt;/comm</c>).</summary>
    public static string ProcessName(int pid) => File.ReadAllText($"/proc/{pid}/comm").TrimEnd('\n');

    /// <summary>The absolute path of the dotnet host running this test, so the child runs on the same runtime.</summary>
    public static string DotnetHost => Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";
}
