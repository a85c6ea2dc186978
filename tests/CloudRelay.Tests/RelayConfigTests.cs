using System.Diagnostics;
using System.Net.Sockets;
using System.Text.Json;
using EdgeGateway.Testing;

namespace CloudRelay.Tests;

/// <summary>
/// Every cloud-relay verb reads its config through one loader: the file, then RELAY_* variables, then only the
/// flags actually given, so a flag's default never hides what the file says.
/// </summary>
[Trait("Category", "Integration")]
public sealed class RelayConfigTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("relay-config-").FullName;

    [Fact]
    public async Task Run_listens_and_stores_where_the_file_says_when_no_flag_is_given()
    {
        var mqttPort = FreePort.Next();
        var httpUrl = $"http://127.0.0.1:{FreePort.Next()}";
        var dataDir = Path.Combine(_dir, "from-file");
        var config = WriteConfig(new { Relay = new { DataDir = dataDir, HttpUrl = httpUrl, ApiKey = "test-key", Mqtt = new { Port = mqttPort, BindAddress = "127.0.0.1", AllowPlaintext = true } } });

        using var relay = Start(["run", "--config", config]);
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(httpUrl) };
            await TestAlerts.WaitUntilAsync(async () =>
            {
                Assert.False(relay.HasExited, "cloud-relay exited early");
                try
                {
                    return (await http.GetAsync(new Uri("/healthz", UriKind.Relative))).IsSuccessStatusCode;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            }, TimeSpan.FromSeconds(60), $"the relay's API on {httpUrl}");

            using var mqtt = new TcpClient();
            await mqtt.ConnectAsync("127.0.0.1", mqttPort);
            Assert.True(File.Exists(Path.Combine(dataDir, "relay.db")));
            Assert.False(Directory.Exists(Path.Combine(_dir, "relay-data")));
        }
        finally
        {
            relay.Kill(entireProcessTree: true);
            await relay.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task The_environment_beats_the_file_and_a_given_flag_beats_both()
    {
        var config = WriteConfig(new { Relay = new { DataDir = Path.Combine(_dir, "from-file") } });
        var environment = ("RELAY_Relay__DataDir", Path.Combine(_dir, "from-env"));

        var fromFile = await RunAsync(["api-key", "list", "--config", config]);
        var fromEnvironment = await RunAsync(["api-key", "list", "--config", config], environment);
        var fromFlag = await RunAsync(["api-key", "list", "--config", config, "--data-dir", Path.Combine(_dir, "from-flag")], environment);

        Assert.True(fromFile.Exit == 0, fromFile.Output);
        Assert.True(fromEnvironment.Exit == 0, fromEnvironment.Output);
        Assert.True(fromFlag.Exit == 0, fromFlag.Output);
        foreach (var folder in new[] { "from-file", "from-env", "from-flag" })
        {
            Assert.True(File.Exists(Path.Combine(_dir, folder, "relay-secrets.json")), $"{folder}: {fromFile.Output}{fromEnvironment.Output}{fromFlag.Output}");
        }
    }

    [Fact]
    public async Task A_relay_configured_for_postgres_in_its_file_never_runs_on_sqlite()
    {
        var dataDir = Path.Combine(_dir, "data");
        var config = WriteConfig(new
        {
            Relay = new
            {
                DataDir = dataDir,
                Db = $"postgres://relay:secret-pw@127.0.0.1:{FreePort.Next()}/relay",
                HttpUrl = $"http://127.0.0.1:{FreePort.Next()}",
                Mqtt = new { Port = FreePort.Next(), BindAddress = "127.0.0.1", AllowPlaintext = true },
            },
        });

        var run = await RunAsync(["run", "--config", config]);
        var list = await RunAsync(["devices", "list", "--config", config]);

        Assert.Equal(2, run.Exit);
        Assert.Equal(2, list.Exit);
        Assert.Contains("127.0.0.1", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-pw", run.Output + list.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Output + list.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(dataDir, "relay.db")));
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    private string WriteConfig(object content)
    {
        var path = Path.Combine(_dir, $"relay-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, JsonSerializer.Serialize(content));
        return path;
    }

    private Process Start(string[] arguments, params (string Name, string Value)[] environment)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "cloud-relay.dll"), .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _dir,
        };
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private async Task<(int Exit, string Output)> RunAsync(string[] arguments, params (string Name, string Value)[] environment)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "cloud-relay.dll"), .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _dir,
        };
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"cloud-relay {string.Join(' ', arguments)} did not exit within 2 minutes: {await stdout}{await stderr}");
        }

        return (process.ExitCode, await stdout + await stderr);
    }
}
