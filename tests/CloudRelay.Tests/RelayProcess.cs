using System.Diagnostics;
using System.Text;
using CloudRelay.Api;
using EdgeGateway.Testing;

namespace CloudRelay.Tests;

/// <summary>A real <c>cloud-relay run</c> process, so a test can kill it the hard way.</summary>
public sealed class RelayProcess : IAsyncDisposable
{
    private readonly StringBuilder _output = new();
    private readonly Process _process;

    private RelayProcess(Process process, string httpUrl, string apiKey)
    {
        _process = process;
        HttpUrl = httpUrl;
        Http = new HttpClient { BaseAddress = new Uri(httpUrl) };
        Http.DefaultRequestHeaders.Add(RelayApi.ApiKeyHeader, apiKey);
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string HttpUrl { get; }

    public HttpClient Http { get; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    public static RelayProcess Start(string apiKey, params string[] arguments)
    {
        var httpUrl = $"http://127.0.0.1:{FreePort.Next()}";
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "cloud-relay.dll"), "run", "--http-url", httpUrl, .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["RELAY_Relay__ApiKey"] = apiKey;
        start.Environment["RELAY_Logging__Console__FormatterName"] = "simple";
        var process = Process.Start(start) ?? throw new InvalidOperationException("cloud-relay did not start");
        return new RelayProcess(process, httpUrl, apiKey);
    }

    public Task WaitForOutputAsync(string text, TimeSpan timeout) =>
        TestAlerts.WaitUntilAsync(() =>
        {
            if (_process.HasExited && !Output.Contains(text, StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"cloud-relay exited {_process.ExitCode}: {Output}");
            }

            return Task.FromResult(Output.Contains(text, StringComparison.Ordinal));
        }, timeout, $"'{text}' from cloud-relay; output so far: {Output}");

    /// <summary>SIGKILL: no shutdown, no DISCONNECT, nothing flushed.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
