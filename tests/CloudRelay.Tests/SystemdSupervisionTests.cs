using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using EdgeGateway.Supervision.Systemd;
using EdgeGateway.Testing;
using Xunit.Abstractions;

namespace CloudRelay.Tests;

/// <summary>
/// <c>cloud-relay run</c> as systemd starts it: a parent named <c>systemd</c>, a real notify socket,
/// <c>WATCHDOG_USEC=4000000</c> (a ping about every 2 s: a loaded machine may delay one by up to 2 s before systemd would act).
/// </summary>
[Trait("Category", "Integration")]
[Collection(TimingSensitive.Name)]
public sealed class SystemdSupervisionTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan WatchdogTimeout = TimeSpan.FromSeconds(4);
    private readonly string _work = Directory.CreateTempSubdirectory("relay-systemd-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public async Task Relay_run_under_systemd_says_ready_then_pings_every_half_timeout_and_answers_the_probes()
    {
        using var listener = new NotifyListener();
        var http = $"http://127.0.0.1:{FreePort.Next()}";
        var start = SystemdParent.StartInfo(
            SystemdParent.DotnetHost,
            Path.Combine(AppContext.BaseDirectory, "cloud-relay.dll"),
            "run", "--http-url", http, "--mqtt-port", FreePort.Next().ToString(CultureInfo.InvariantCulture), "--data-dir", _work);
        start.Environment[NotifySettings.SocketVariable] = listener.SocketPath;
        start.Environment[NotifySettings.WatchdogUsecVariable] = WatchdogTimeout.TotalMicroseconds.ToString(CultureInfo.InvariantCulture);
        start.Environment["Relay__ApiKey"] = "relay-test-api-key";
        start.Environment["RELAY_Relay__Mqtt__AllowPlaintext"] = "true";
        start.Environment["Logging__Console__FormatterName"] = "simple";
        var log = new StringBuilder();
        using var relay = Process.Start(start)!;
        relay.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        relay.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        relay.BeginOutputReadLine();
        relay.BeginErrorReadLine();
        string Log()
        {
            lock (log)
            {
                return log.ToString();
            }
        }

        try
        {
            await listener.WaitUntilAsync(m => m.Any(x => x.Has("READY=1")), TimeSpan.FromSeconds(60), "READY=1", Log);
            Assert.Equal("systemd", SystemdParent.ProcessName(relay.Id));
            await listener.WaitUntilAsync(m => m.Count(x => x.Has("WATCHDOG=1")) >= 7, TimeSpan.FromSeconds(60), "7 pings", Log);

            // READY=1 from the host's lifetime and with the watchdog's first ping, whichever runs first.
            var readies = listener.With("READY=1");
            Assert.InRange(readies.Count, 1, 2);
            var ready = readies[0];
            var pings = listener.With("WATCHDOG=1");
            Assert.All(pings, p => Assert.True(p.At >= ready.At, "no ping before READY=1"));
            // Never a gap reaching the timeout systemd would kill the relay at, and a ping every half timeout on average.
            output.WriteLine("relay " + WatchdogPings.AssertKeptAlive(pings, WatchdogTimeout));
            Assert.StartsWith("store sqlite, stored 0", pings[^1].Value("STATUS"), StringComparison.Ordinal);

            // The probes need no API key and carry no secret.
            using var client = new HttpClient { BaseAddress = new Uri(http) };
            using var live = await client.GetAsync("/healthz");
            var liveBody = await live.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
            using (var json = JsonDocument.Parse(liveBody))
            {
                Assert.Equal("ok", json.RootElement.GetProperty("status").GetString());
                Assert.Contains("store writer", json.RootElement.GetProperty("checks").EnumerateArray().Select(c => c.GetProperty("name").GetString()));
            }

            using var readyz = await client.GetAsync("/readyz");
            var readyBody = await readyz.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.OK, readyz.StatusCode);
            Assert.Contains("\"store\"", readyBody, StringComparison.Ordinal);
            Assert.Contains("broker listening", readyBody, StringComparison.Ordinal);
            Assert.DoesNotContain("relay-test-api-key", liveBody + readyBody, StringComparison.Ordinal);

            using (var kill = Process.Start("kill", ["-TERM", relay.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill!.WaitForExitAsync();
            }

            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await relay.WaitForExitAsync(deadline.Token);
            Assert.True(relay.ExitCode == 0, $"exit {relay.ExitCode}: {Log()}");
        }
        finally
        {
            if (!relay.HasExited)
            {
                relay.Kill(entireProcessTree: true);
            }
        }
    }
}
