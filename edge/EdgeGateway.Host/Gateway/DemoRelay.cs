using System.Diagnostics;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EdgeGateway.Core;

namespace EdgeGateway.Host.Gateway;

/// <summary>
/// The relay of <c>edgegw demo</c>: the real <c>cloud-relay run</c> program started as a child process (the box's
/// binary does not contain the relay), on loopback ports, with its embedded broker and SQLite in the demo's
/// working folder. The demo talks to it the way the platform does: over its REST API with the API key.
/// </summary>
internal sealed class DemoRelay : IAsyncDisposable
{
    private const string ApiKeyHeader = "X-Api-Key";
    private readonly Process _process;
    private readonly StringBuilder _log = new();
    private readonly HttpClient _http;
    private long? _after;

    private DemoRelay(Process process, Uri api, string apiKey, int mqttPort)
    {
        _process = process;
        MqttPort = mqttPort;
        _http = new HttpClient { BaseAddress = api, Timeout = TimeSpan.FromSeconds(10) };
        _http.DefaultRequestHeaders.Add(ApiKeyHeader, apiKey);
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int MqttPort { get; }

    /// <summary>What the relay printed so far, for a failure message.</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>
    /// Starts the relay found by <see cref="FindProgram"/> and waits until its API answers; null and one
    /// line on <paramref name="errors"/> when there is no relay program or it does not come up.
    /// </summary>
    public static async Task<DemoRelay?> StartAsync(string dataDir, int mqttPort, int httpPort, TextWriter errors, CancellationToken cancellationToken)
    {
        if (FindProgram() is not { } program)
        {
            await errors.WriteLineAsync(
                "demo: the cloud-relay program was not found beside edgegw or in the checkout's build output; build it with `dotnet build cloud-relay/CloudRelay -c Release`");
            return null;
        }

        var apiKey = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var httpUrl = $"http://127.0.0.1:{httpPort}";
        string[] arguments = ["run", "--mqtt-port", $"{mqttPort}", "--http-url", httpUrl, "--data-dir", dataDir];
        var start = program.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)
            ? new ProcessStartInfo("dotnet", [program, .. arguments])
            : new ProcessStartInfo(program, arguments);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;

        // Settings the relay reads through its own loader (RELAY_ + key): loopback only, plaintext MQTT allowed
        // there on purpose, a fresh API key, and quiet logs.
        start.Environment["RELAY_Relay__Mqtt__BindAddress"] = "127.0.0.1";
        start.Environment["RELAY_Relay__Mqtt__AllowPlaintext"] = "true";
        start.Environment["RELAY_Relay__ApiKey"] = apiKey;
        start.Environment["RELAY_Logging__LogLevel__Default"] = "Warning";
        start.Environment["RELAY_Logging__Console__FormatterName"] = "simple";
        var process = Process.Start(start);
        if (process is null)
        {
            await errors.WriteLineAsync($"demo: could not start {program}");
            return null;
        }

        var relay = new DemoRelay(process, new Uri(httpUrl), apiKey, mqttPort);
        if (!await relay.WaitUntilUpAsync(TimeSpan.FromSeconds(60), cancellationToken))
        {
            await errors.WriteLineAsync($"demo: the relay ({program}) did not come up on {httpUrl}: {relay.Log.Trim()}");
            await relay.DisposeAsync();
            return null;
        }

        return relay;
    }

    /// <summary>Registers the demo device and returns the user name and token it logs in with.</summary>
    public async Task<(string Username, string Password)> RegisterDeviceAsync(string site, string device, CancellationToken cancellationToken)
    {
        using var response = await _http.PostAsJsonAsync("/api/devices", new { site, device }, cancellationToken);
        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        return (body.RootElement.GetProperty("username").GetString()!, body.RootElement.GetProperty("password").GetString()!);
    }

    /// <summary>The alerts stored since the last call, as the API renders them (one JSON object each).</summary>
    public async Task<IReadOnlyList<string>> NewAlertsAsync(CancellationToken cancellationToken)
    {
        var alerts = new List<string>();
        while (true)
        {
            var query = _after is { } after ? $"/api/alerts?limit=1000&after={after}" : "/api/alerts?limit=1000";
            using var body = JsonDocument.Parse(await _http.GetStringAsync(query, cancellationToken));
            var items = body.RootElement.GetProperty("items");
            foreach (var item in items.EnumerateArray())
            {
                alerts.Add(item.GetRawText());
                _after = item.GetProperty("pos").GetInt64(); // Ingest order: the last one is the newest.
            }

            if (items.GetArrayLength() < 1000)
            {
                return alerts;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private async Task<bool> WaitUntilUpAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout && !_process.HasExited)
        {
            try
            {
                using var response = await _http.GetAsync("/healthz", cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return true;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Too slow to answer yet.
            }

            await Task.Delay(200, cancellationToken);
        }

        return false;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.AppendLine(line);
        }
    }

    /// <summary>
    /// The relay program for <c>edgegw demo</c>: <c>cloud-relay</c> (or <c>cloud-relay.dll</c>) beside edgegw, else
    /// the checkout's build output (Release, then Debug). Null when there is none.
    /// </summary>
    private static string? FindProgram()
    {
        var candidates = new List<string>
        {
            Path.Combine(GatewayPaths.AppDir, "cloud-relay.dll"),
            Path.Combine(GatewayPaths.AppDir, "cloud-relay"),
        };
        if (GatewayPaths.CheckoutRoot is { } root)
        {
            foreach (var configuration in new[] { "Release", "Debug" })
            {
                candidates.Add(Path.Combine(root, "cloud-relay", "CloudRelay", "bin", configuration, "net10.0", "cloud-relay.dll"));
            }
        }

        return candidates.FirstOrDefault(File.Exists);
    }
}
