using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace CloudRelay.Bench;

/// <summary>What the relay process tells the load generator once it listens.</summary>
public sealed record BenchReady(string Db, int MqttPort, string Site, IReadOnlyList<BenchDevice> Devices);

public sealed record BenchDevice(string Device, string Username, string Password);

/// <summary>The relay's counters at one moment, read over the control channel.</summary>
public sealed record BenchCounters(long Alerts, long Duplicates, long Commits, long CommittedAlerts, double CommitSeconds);

/// <summary>The relay's measurement of one fleet change: from the set to the last report stored, and its own CPU meanwhile.</summary>
public sealed record FleetBenchAnswer(long Version, int Reported, double Seconds, double CpuSeconds);

internal static class BenchJson
{
    public static readonly JsonSerializerOptions Options = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
}

/// <summary>
/// The relay under test as a child process (<c>cloud-relay bench-relay</c>), driven over its stdin and stdout.
/// Its stderr is kept, so a relay that fails to start is reported with its own words.
/// </summary>
internal sealed class BenchRelayProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly System.Text.StringBuilder _errors = new();

    private BenchRelayProcess(Process process)
    {
        _process = process;
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                lock (_errors)
                {
                    _errors.AppendLine(line);
                }
            }
        };
        process.BeginErrorReadLine();
    }

    public BenchReady Ready { get; private set; } = null!;

    public static async Task<BenchRelayProcess> StartAsync(int devices, string db, CancellationToken cancellationToken)
    {
        var (file, prefix) = SelfCommand();
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in prefix.Concat(["bench-relay", "--devices", devices.ToString(CultureInfo.InvariantCulture), "--db", db]))
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("the bench relay process did not start");
        var relay = new BenchRelayProcess(process);
        var line = await process.StandardOutput.ReadLineAsync(cancellationToken);
        if (line is null)
        {
            await process.WaitForExitAsync(cancellationToken);
            throw new InvalidOperationException($"the bench relay exited {process.ExitCode} before it was ready: {relay.Errors.Trim()}");
        }

        relay.Ready = JsonSerializer.Deserialize<BenchReady>(line, BenchJson.Options)
                      ?? throw new InvalidOperationException($"the bench relay said '{line}'; expected its ready line");
        return relay;
    }

    private string Errors
    {
        get
        {
            lock (_errors)
            {
                return _errors.ToString();
            }
        }
    }

    public async Task<BenchCounters> CountersAsync(CancellationToken cancellationToken)
    {
        await _process.StandardInput.WriteLineAsync("counters".AsMemory(), cancellationToken);
        await _process.StandardInput.FlushAsync(cancellationToken);
        var line = await ReadAnswerAsync(cancellationToken);
        return JsonSerializer.Deserialize<BenchCounters>(line, BenchJson.Options)!;
    }

    public async Task<long> CountMissingAsync(IEnumerable<Guid> ids, CancellationToken cancellationToken)
    {
        var input = _process.StandardInput;
        await input.WriteLineAsync("missing".AsMemory(), cancellationToken);
        foreach (var id in ids)
        {
            await input.WriteLineAsync(id.ToString("D").AsMemory(), cancellationToken);
        }

        await input.WriteLineAsync(".".AsMemory(), cancellationToken);
        await input.FlushAsync(cancellationToken);
        return long.Parse(await ReadAnswerAsync(cancellationToken), CultureInfo.InvariantCulture);
    }

    /// <summary>Sets <paramref name="layer"/> for <c>all</c> in the relay and waits there until every device reported its version.</summary>
    public async Task<FleetBenchAnswer> SetAllAndWaitAsync(string layer, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var input = _process.StandardInput;
        await input.WriteLineAsync($"fleet-set {(long)timeout.TotalMilliseconds}".AsMemory(), cancellationToken);
        await input.WriteLineAsync(layer.ReplaceLineEndings(" ").AsMemory(), cancellationToken);
        await input.FlushAsync(cancellationToken);
        return JsonSerializer.Deserialize<FleetBenchAnswer>(await ReadAnswerAsync(cancellationToken), BenchJson.Options)!;
    }

    /// <summary>The relay's CPU time so far and how many devices have a health report.</summary>
    public async Task<HealthBenchReading> HealthReadingAsync(CancellationToken cancellationToken)
    {
        await _process.StandardInput.WriteLineAsync("health".AsMemory(), cancellationToken);
        await _process.StandardInput.FlushAsync(cancellationToken);
        return JsonSerializer.Deserialize<HealthBenchReading>(await ReadAnswerAsync(cancellationToken), BenchJson.Options)!;
    }

    private async Task<string> ReadAnswerAsync(CancellationToken cancellationToken) =>
        await _process.StandardOutput.ReadLineAsync(cancellationToken)
        ?? throw new InvalidOperationException($"the bench relay exited: {Errors.Trim()}");

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                await _process.StandardInput.WriteLineAsync("stop");
                await _process.StandardInput.FlushAsync();
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                await _process.WaitForExitAsync(timeout.Token);
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
        }
        finally
        {
            _process.Dispose();
        }
    }

    /// <summary>This program again: the apphost itself, or <c>dotnet cloud-relay.dll</c>.</summary>
    private static (string File, string[] Prefix) SelfCommand()
    {
        var host = Environment.ProcessPath ?? "dotnet";
        var entry = typeof(BenchRelayProcess).Assembly.Location;
        return Path.GetFileNameWithoutExtension(host).Equals("dotnet", StringComparison.OrdinalIgnoreCase)
            ? (host, [entry])
            : (host, []);
    }
}
