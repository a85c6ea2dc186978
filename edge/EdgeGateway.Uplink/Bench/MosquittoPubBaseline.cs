using System.Diagnostics;
using EdgeGateway.Contracts;
using EdgeGateway.Uplink.Configuration;

namespace EdgeGateway.Uplink.Bench;

/// <summary>
/// The drain's yardstick: Mosquitto's own client publishing the same number of messages of the same
/// size with QoS 1 (<c>mosquitto_pub -l -q 1</c>) to the same broker, timed from start to exit.
/// </summary>
public static class MosquittoPubBaseline
{
    /// <summary>Messages per second, or null when <c>mosquitto_pub</c> is not installed or the broker needs TLS.</summary>
    public static async Task<double?> MeasureAsync(BrokerAddress broker, string topic, int count, int payloadBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(broker);
        if (broker.Tls || FindOnPath("mosquitto_pub") is not { } program)
        {
            return null;
        }

        var start = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "-h", broker.Host, "-p", broker.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-q", "1", "-t", topic, "-l", "-i", "edgegw-bench-baseline" })
        {
            start.ArgumentList.Add(argument);
        }

        // One line per message; -l sends each line without its newline, so the payload matches.
        var line = new string('x', Math.Max(1, payloadBytes));
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("mosquitto_pub did not start");
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        var input = process.StandardInput;
        for (var i = 0; i < count; i++)
        {
            await input.WriteLineAsync(line.AsMemory(), cancellationToken).ConfigureAwait(false);
        }

        input.Close();
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        var seconds = clock.Elapsed.TotalSeconds;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"mosquitto_pub exited {process.ExitCode}: {(await errors.ConfigureAwait(false)).Trim()}");
        }

        return count / seconds;
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, name))
            .FirstOrDefault(File.Exists);
}
