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

    public string ConfigPath { get; }

    public string Url => $"mqtt://127.0.0.1:{Port}";

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Creates the broker. <paramref name="extraConfig"/> lines are appended to mosquitto.conf.</summary>
    public static async Task<MosquittoBroker> StartAsync(string? extraConfig = null, bool start = true, int? port = null)
    {
        var directory = Directory.CreateTempSubdirectory("mosquitto-").FullName;
        var broker = new MosquittoBroker(directory, port ?? FreePort.Next());
        var config = $"""
            listener {broker.Port} 127.0.0.1
            allow_anonymous true
            persistence false
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
        await FreePort.WaitUntilListeningAsync(Port, TimeSpan.FromSeconds(10));
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
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }
}
