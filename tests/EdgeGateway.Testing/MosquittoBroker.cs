using System.Diagnostics;

namespace EdgeGateway.Testing;

/// <summary>
/// A real Mosquitto broker process on a random loopback port, with its own config and
/// persistence folder. Stop and start it to simulate an outage; dispose kills it.
/// </summary>
public sealed class MosquittoBroker : IAsyncDisposable
{
    private readonly string _directory;
    private Process? _process;

    private MosquittoBroker(string directory, int port)
    {
        _directory = directory;
        Port = port;
        ConfigPath = Path.Combine(directory, "mosquitto.conf");
    }

    public int Port { get; }

    /// <summary>The broker's own folder (config, log, persistence); put certificates here.</summary>
    public string Directory => _directory;

    public string PasswordFile => Path.Combine(_directory, "passwords");

    public string ConfigPath { get; }

    public string Url => $"mqtt://127.0.0.1:{Port}";

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>
    /// Creates the broker. <paramref name="extraConfig"/> lines are appended to mosquitto.conf.
    /// With <paramref name="persistence"/> the broker saves its sessions and queued messages when
    /// stopped gracefully (<see cref="StopGracefullyAsync"/>) and restores them on start.
    /// With <paramref name="allowAnonymous"/> false, clients need the accounts written by <see cref="AddUserAsync"/>.
    /// </summary>
    public static async Task<MosquittoBroker> StartAsync(
        string? extraConfig = null, bool start = true, int? port = null, bool persistence = false, bool allowAnonymous = true)
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("mosquitto-").FullName;
        var broker = new MosquittoBroker(directory, port ?? FreePort.Next());
        var persistenceConfig = persistence
            ? $"persistence true\npersistence_location {directory}/\nautosave_interval 0"
            : "persistence false";
        var accessConfig = allowAnonymous
            ? "allow_anonymous true"
            : $"allow_anonymous false\npassword_file {broker.PasswordFile}";
        // Started as root, mosquitto drops to the 'mosquitto' user, which cannot read or write this
        // private temp folder (certificates, password file, persistence, log); keep it as root then.
        // Mosquitto refuses a second 'user' line, so leave it to extraConfig when that sets one.
        var setsUser = (extraConfig ?? string.Empty).Split('\n').Any(line => line.TrimStart().StartsWith("user ", StringComparison.Ordinal));
        var userConfig = Environment.UserName == "root" && !setsUser ? "user root" : string.Empty;
        var config = $"""
            {userConfig}
            listener {broker.Port} 127.0.0.1
            {accessConfig}
            {persistenceConfig}
            max_inflight_messages 0
            max_queued_messages 0
            log_dest file {Path.Combine(directory, "mosquitto.log")}
            {extraConfig ?? string.Empty}
            """;
        await File.WriteAllTextAsync(broker.ConfigPath, config);
        if (start)
        {
            await broker.StartAsync();
        }

        return broker;
    }

    public async Task StartAsync()
    {
        if (IsRunning)
        {
            return;
        }

        var executable = File.Exists("/usr/sbin/mosquitto") ? "/usr/sbin/mosquitto" : "mosquitto";
        _process = Process.Start(new ProcessStartInfo(executable, ["-c", ConfigPath])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("mosquitto did not start");
        try
        {
            // Generous: CI machines are small and busy while the whole suite runs.
            await FreePort.WaitUntilListeningAsync(Port, TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException) when (_process.HasExited)
        {
            throw new InvalidOperationException(
                $"mosquitto exited with code {_process.ExitCode} at start: {await _process.StandardError.ReadToEndAsync()} {Log}");
        }
    }

    /// <summary>Adds an account to the password file (mosquitto_passwd); takes effect at the next start.</summary>
    public async Task AddUserAsync(string user, string password)
    {
        var arguments = File.Exists(PasswordFile) ? new[] { "-b", PasswordFile, user, password } : ["-c", "-b", PasswordFile, user, password];
        using var process = Process.Start(new ProcessStartInfo("mosquitto_passwd", arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("mosquitto_passwd did not start");
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"mosquitto_passwd failed: {await process.StandardError.ReadToEndAsync()}");
        }
    }

    /// <summary>Stops the broker with SIGTERM, so it saves persistence, and waits for it to exit.</summary>
    public async Task StopGracefullyAsync()
    {
        if (_process is { HasExited: false } process)
        {
            using (var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])
            {
                UseShellExecute = false,
            }))
            {
                if (kill is not null)
                {
                    await kill.WaitForExitAsync();
                }
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await process.WaitForExitAsync(timeout.Token);
        }

        _process?.Dispose();
        _process = null;
    }

    public async Task StopAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        _process?.Dispose();
        _process = null;
    }

    public string Log => File.Exists(Path.Combine(_directory, "mosquitto.log"))
        ? File.ReadAllText(Path.Combine(_directory, "mosquitto.log"))
        : string.Empty;

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            System.IO.Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }
}
