using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using EdgeGateway.Elevator.Hardware;
using EdgeGateway.Host.Commands;
using EdgeGateway.Host.Gateway;
using EdgeGateway.Simulation;
using EdgeGateway.Supervision;
using EdgeGateway.Supervision.Hosting;
using EdgeGateway.Supervision.Systemd;
using EdgeGateway.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace EdgeGateway.Host.Tests.Supervision;

/// <summary>
/// The box under a service manager that speaks systemd's notify protocol: a real notify socket,
/// a parent process named <c>systemd</c>, <c>WATCHDOG_USEC=4000000</c> (a ping about every 2 s: a loaded machine
/// may delay one by up to 2 s before systemd would act).
/// </summary>
[Collection(TimingSensitive.Name)]
[Trait("Category", "Integration")]
public sealed class SystemdSupervisionTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Ping = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan WatchdogTimeout = TimeSpan.FromSeconds(4);
    private readonly string _work = Directory.CreateTempSubdirectory("edgegw-systemd-").FullName;
    private MosquittoBroker _broker = null!;

    public async Task InitializeAsync() => _broker = await MosquittoBroker.StartAsync();

    public async Task DisposeAsync()
    {
        await _broker.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public async Task Edgegw_run_under_systemd_says_ready_then_pings_the_watchdog_every_half_timeout_with_its_status()
    {
        using var listener = new NotifyListener();
        var http = $"http://127.0.0.1:{FreePort.Next()}";
        using var edgegw = StartEdgegw(listener, WriteConfig(http));

        await listener.WaitUntilAsync(m => m.Any(x => x.Has("READY=1")), TimeSpan.FromSeconds(60), "READY=1", edgegw.Output);
        Assert.Equal("systemd", SystemdParent.ProcessName(edgegw.Process.Id));
        await listener.WaitUntilAsync(
            m => m.Any(x => x.Has("WATCHDOG=1") && x.Value("STATUS") == "backlog 0, uplink connected"),
            TimeSpan.FromSeconds(30), "a ping with the uplink connected", edgegw.Output);
        var from = listener.With("WATCHDOG=1").Count;
        await listener.WaitUntilAsync(m => m.Count(x => x.Has("WATCHDOG=1")) >= from + 6, TimeSpan.FromSeconds(60), "6 more pings", edgegw.Output);

        // READY=1 from the host's lifetime and with the watchdog's first ping, whichever runs first.
        var readies = listener.With("READY=1");
        Assert.InRange(readies.Count, 1, 2);
        var ready = readies[0];
        var pings = listener.With("WATCHDOG=1");
        Assert.All(pings, p => Assert.True(p.At >= ready.At, "no ping before READY=1"));
        // Never a gap reaching the timeout systemd would kill at, and a ping every half timeout on average.
        output.WriteLine(WatchdogPings.AssertKeptAlive(pings, WatchdogTimeout));
        Assert.All(listener.Messages.Where(m => m.Value("STATUS") is not null), m => Assert.DoesNotContain("stalled", m.Value("STATUS")!, StringComparison.Ordinal));

        // The probes answer without a login and name every watched part, and nothing secret.
        using var client = new HttpClient { BaseAddress = new Uri(http) };
        using var live = await client.GetAsync("/healthz");
        var liveBody = await live.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        using var liveJson = JsonDocument.Parse(liveBody);
        Assert.Equal("ok", liveJson.RootElement.GetProperty("status").GetString());
        var parts = liveJson.RootElement.GetProperty("checks").EnumerateArray().Select(c => c.GetProperty("name").GetString()).ToList();
        Assert.Contains("outbox writer", parts);
        Assert.Contains("uplink loop", parts);
        Assert.Contains("elevator sampler", parts);
        using var ready2 = await client.GetAsync("/readyz");
        var readyBody = await ready2.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, ready2.StatusCode);
        Assert.Contains("\"outbox\"", readyBody, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-password", liveBody + readyBody, StringComparison.Ordinal);
        Assert.DoesNotContain(_broker.Url, liveBody + readyBody, StringComparison.Ordinal);

        // SIGTERM, as systemctl stop sends: a clean stop exits 0.
        Assert.Equal(0, await edgegw.TerminateAsync());
    }

    [Fact]
    public async Task Edgegw_run_exits_70_with_one_line_and_no_ready_when_another_process_holds_its_outbox()
    {
        var config = WriteConfig($"http://127.0.0.1:{FreePort.Next()}");
        var outbox = Path.Combine(_work, "data", "outbox");
        Directory.CreateDirectory(outbox);
        // Another edgegw on the same data folder holds the outbox lock.
        await using var held = new FileStream(Path.Combine(outbox, "LOCK"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        using var listener = new NotifyListener();
        using var edgegw = StartEdgegw(listener, config);

        var exit = await edgegw.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.True(exit == ServiceFault.ExitCode, $"exit {exit}: {edgegw.Output()}");
        var line = Assert.Single(edgegw.Error().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("edgegw: could not start: the outbox at ", line, StringComparison.Ordinal);
        Assert.Contains("is in use by another edgegw process", line, StringComparison.Ordinal);
        Assert.Empty(listener.With("READY=1"));
    }

    [Fact]
    public async Task A_wedged_elevator_sensor_stops_the_pings_and_the_log_names_the_sampler()
    {
        using var listener = new NotifyListener();
        var log = new StallLog();
        FaultyI2cDevice? accelerometer = null;
        await using var app = GatewayApp.Build(Settings(), builder =>
        {
            builder.Services.AddSingleton(new NotifySettings(listener.SocketPath, 2 * Ping));
            builder.Services.AddSingleton(sp =>
            {
                var rig = sp.GetRequiredService<SimulatedElevatorRig>();
                accelerometer = new FaultyI2cDevice(rig.Accelerometer);
                return new ElevatorI2cDevices(accelerometer, rig.Barometer);
            });
            builder.Logging.AddProvider(log);
        });
        await app.StartAsync();
        try
        {
            await listener.WaitUntilAsync(m => m.Count(x => x.Has("WATCHDOG=1")) >= 3, TimeSpan.FromSeconds(30), "3 pings");
            var hungAt = listener.Now;
            accelerometer!.Hang();
            await listener.WaitUntilAsync(
                m => m.Any(x => x.Value("STATUS")?.StartsWith("stalled: elevator sampler", StringComparison.Ordinal) == true),
                TimeSpan.FromSeconds(30), "STATUS=stalled");
            var stalledAt = listener.Messages.First(x => x.Value("STATUS")?.StartsWith("stalled", StringComparison.Ordinal) == true).At;
            var after = listener.Messages.Count;
            // The watchdog keeps telling its status every second, but never pings again.
            await listener.WaitUntilAsync(m => m.Count >= after + 3, TimeSpan.FromSeconds(10), "3 more notifications");
            var lastPing = listener.With("WATCHDOG=1")[^1].At;
            Assert.True(lastPing < stalledAt, "no ping once stalled");
            Assert.All(listener.Messages.Where(m => m.At >= stalledAt), m => Assert.False(m.Has("WATCHDOG=1")));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"sensor hung at {hungAt.TotalSeconds:0.00} s; last ping {(lastPing - hungAt).TotalSeconds:0.00} s later; STATUS=stalled {(stalledAt - hungAt).TotalSeconds:0.00} s later (sampler deadline 10 s)"));

            var line = Assert.Single(log.Lines);
            Assert.StartsWith("Watchdog: elevator sampler made no progress for ", line, StringComparison.Ordinal);
        }
        finally
        {
            accelerometer?.Release();
            await app.StopAsync();
        }
    }

    [Fact]
    public async Task An_i2c_error_the_sampler_does_not_expect_ends_the_run_with_exit_70()
    {
        FaultyI2cDevice? accelerometer = null;
        var error = new StringWriter();
        var previous = Console.Error;
        using var started = new SemaphoreSlim(0);
        var exit = -1;
        Console.SetError(error);
        try
        {
            var run = ServiceCommands.RunAsync(
                () => GatewayApp.Build(Settings(), builder =>
                {
                    builder.Services.AddSingleton(sp =>
                    {
                        var rig = sp.GetRequiredService<SimulatedElevatorRig>();
                        accelerometer = new FaultyI2cDevice(rig.Accelerometer);
                        return new ElevatorI2cDevices(accelerometer, rig.Barometer);
                    });
                    builder.Logging.ClearProviders();
                }),
                "gateway.json",
                CancellationToken.None);
            await TestWait.UntilAsync(() => accelerometer is not null, TimeSpan.FromSeconds(30), "the board");
            accelerometer!.Fail(new UnauthorizedAccessException("i2c-1: permission denied"));
            exit = await run.WaitAsync(TimeSpan.FromSeconds(30));
        }
        finally
        {
            Console.SetError(previous);
        }

        Assert.Equal(ServiceFault.ExitCode, exit);
        Assert.Equal(
            "edgegw: HardwareSamplerService failed: UnauthorizedAccessException: i2c-1: permission denied; exiting with code 70",
            error.ToString().Trim());
    }

    private IConfiguration Settings() => new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["Device:Id"] = "gw-sd-1",
        ["Device:Site"] = "site-sd",
        ["Uplink:Broker"] = _broker.Url,
        ["Storage:DataDir"] = Path.Combine(_work, "inproc-" + Guid.NewGuid().ToString("N")),
        ["Diagnostics:Url"] = "http://127.0.0.1:0",
        ["Elevator:Board"] = "simulated",
        ["Logging:LogLevel:Default"] = "Warning",
    }).Build();

    private string WriteConfig(string http)
    {
        var path = Path.Combine(_work, "gateway.json");
        var config = new
        {
            Device = new { Id = "gw-sd-1", Site = "site-sd" },
            Uplink = new { Broker = _broker.Url },
            Storage = new { DataDir = Path.Combine(_work, "data") },
            Diagnostics = new { Url = http },
            Elevator = new { Board = "simulated" },
        };
        File.WriteAllText(path, JsonSerializer.Serialize(config));
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

    private static ChildProcess StartEdgegw(NotifyListener listener, string config)
    {
        var start = SystemdParent.StartInfo(SystemdParent.DotnetHost, Path.Combine(AppContext.BaseDirectory, "edgegw.dll"), "run", "--config", config);
        start.Environment[NotifySettings.SocketVariable] = listener.SocketPath;
        start.Environment[NotifySettings.WatchdogUsecVariable] = WatchdogTimeout.TotalMicroseconds.ToString(CultureInfo.InvariantCulture);
        start.Environment["Logging__Console__FormatterName"] = "simple";
        return ChildProcess.Start(start);
    }

    /// <summary>Keeps the watchdog's stall lines.</summary>
    private sealed class StallLog : ILoggerProvider, ILogger
    {
        private readonly List<string> _lines = [];

        public IReadOnlyList<string> Lines
        {
            get
            {
                lock (_lines)
                {
                    return [.. _lines];
                }
            }
        }

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Id == SupervisionEventIds.PartStalled)
            {
                lock (_lines)
                {
                    _lines.Add(formatter(state, exception));
                }
            }
        }

        public void Dispose()
        {
        }
    }
}

/// <summary>Polls a condition with a deadline.</summary>
internal static class TestWait
{
    public static async Task UntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"no {what} within {timeout.TotalSeconds:0} s");
            }

            await Task.Delay(50);
        }
    }
}

/// <summary>A child process with its output kept, stopped with SIGTERM like systemctl stop.</summary>
internal sealed class ChildProcess : IDisposable
{
    private readonly StringBuilder _out = new();
    private readonly StringBuilder _err = new();

    private ChildProcess(Process process)
    {
        Process = process;
        process.OutputDataReceived += (_, e) => Append(_out, e.Data);
        process.ErrorDataReceived += (_, e) => Append(_err, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Process Process { get; }

    public static ChildProcess Start(ProcessStartInfo start) =>
        new(Process.Start(start) ?? throw new InvalidOperationException($"{start.FileName} did not start"));

    public string Output()
    {
        lock (_out)
        {
            lock (_err)
            {
                return $"stdout:\n{_out}\nstderr:\n{_err}";
            }
        }
    }

    public string Error()
    {
        lock (_err)
        {
            return _err.ToString();
        }
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        await Process.WaitForExitAsync(deadline.Token);
        return Process.ExitCode;
    }

    public async Task<int> TerminateAsync()
    {
        using (var kill = Process.Start("kill", ["-TERM", Process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill!.WaitForExitAsync();
        }

        return await WaitForExitAsync(TimeSpan.FromSeconds(30));
    }

    public void Dispose()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
            Process.WaitForExit();
        }

        Process.Dispose();
    }

    private static void Append(StringBuilder builder, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (builder)
        {
            builder.AppendLine(line);
        }
    }
}
