using System.Diagnostics;
using EdgeGateway.Core.Alerts;
using EdgeGateway.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeGateway.Uplink.Tests;

/// <summary>What the fault drills share: filling an outbox, a config file, and running the real edgegw.</summary>
internal static class Drill
{
    /// <summary>Enqueues <paramref name="count"/> test alerts into the data directory's outbox, as <c>edgegw outbox inject</c> does.</summary>
    public static async Task InjectAsync(string dataDir, int count)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(UplinkHost.Config("mqtt://127.0.0.1:1", dataDir)).Build();
        var services = new ServiceCollection().AddLogging().AddEdgeOutbox(configuration);
        await using var provider = services.BuildServiceProvider();
        var sink = provider.GetRequiredService<IAlertSink>();
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, 64).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) < count)
            {
                await sink.PublishAsync(new AlertDraft(AlertKinds.Test, AlertSeverity.Info, AlertState.Raised));
            }
        }));
    }

    /// <summary>Writes an edgegw config file at <paramref name="path"/> for a data folder and a broker.</summary>
    public static string WriteConfig(string path, string dataDir, string brokerUrl, int window = 256)
    {
        File.WriteAllText(path, $$"""
            {
              "Device": { "Id": "{{UplinkHost.Device}}", "Site": "{{UplinkHost.Site}}" },
              "Storage": { "DataDir": "{{dataDir}}" },
              "Uplink": { "Broker": "{{brokerUrl}}", "Window": {{window}}, "ReconnectMinMs": 100, "ReconnectMaxMs": 1000 }
            }
            """);
        return path;
    }

    /// <summary>Starts the real edgegw with <paramref name="arguments"/>; its output is read and dropped.</summary>
    public static Process StartEdgegw(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet", [EdgegwPaths.Dll, .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("edgegw did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Runs the real edgegw as a user would, to its end (at most two minutes).</summary>
    public static async Task<(int Code, string Stdout, string Stderr)> RunEdgegwAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet", [EdgegwPaths.Dll, .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Waits until <paramref name="condition"/> holds; a timeout fails naming the condition.</summary>
    public static Task WaitUntilAsync(
        Func<bool> condition, TimeSpan timeout, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(condition))] string? what = null) =>
        Eventually.HoldsAsync(condition, timeout, what);
}
