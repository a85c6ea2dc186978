using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using CloudRelay.Database;
using EdgeGateway.Contracts;
using EdgeGateway.Contracts.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace CloudRelay.Bench;

/// <summary>The health bench's one JSON line.</summary>
public sealed record HealthBenchResult(string Db, int Devices, int Rounds, double Seconds, int Stored, double RelayCpuSeconds, double RelayCpuPercent);

/// <summary>The relay's own reading over the control channel: its CPU time so far and how many devices have a health report.</summary>
public sealed record HealthBenchReading(double CpuSeconds, int Stored);

/// <summary>
/// The health bench: the relay in its own process with N registered devices, and N real MQTT clients here, each
/// publishing a four-camera health report once per interval, spread evenly over it (as a fleet's timers drift apart).
/// The relay reports its own CPU time before and after, so the clients' work is not counted.
/// </summary>
public static class HealthBench
{
    private const int ConnectsAtOnce = 50;

    public static async Task<HealthBenchResult> RunAsync(int devices, string db, TimeSpan interval, int rounds, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(devices, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(rounds, 1);
        await using var relay = await BenchRelayProcess.StartAsync(devices, db, cancellationToken);
        var ready = relay.Ready;
        var factory = new MqttClientFactory();
        var clients = new ConcurrentBag<(BenchDevice Device, IMqttClient Client)>();
        using var gate = new SemaphoreSlim(ConnectsAtOnce);
        try
        {
            await Task.WhenAll(ready.Devices.Select(async device =>
            {
                await gate.WaitAsync(cancellationToken);
                try
                {
                    clients.Add((device, await ConnectAsync(factory, ready, device, cancellationToken)));
                }
                finally
                {
                    gate.Release();
                }
            }));

            var payload = Report().Encode();
            var ordered = clients.OrderBy(c => c.Device.Device, StringComparer.Ordinal).ToList();
            var before = await relay.HealthReadingAsync(cancellationToken);
            var stopwatch = Stopwatch.StartNew();
            var spacing = interval / ordered.Count;
            var acknowledged = new List<Task<MqttClientPublishResult>>(ordered.Count * rounds);
            for (var round = 0; round < rounds; round++)
            {
                for (var i = 0; i < ordered.Count; i++)
                {
                    var due = (interval * round) + (spacing * i);
                    if (due > stopwatch.Elapsed)
                    {
                        await Task.Delay(due - stopwatch.Elapsed, cancellationToken);
                    }

                    var (device, client) = ordered[i];
                    acknowledged.Add(client.PublishAsync(new MqttApplicationMessageBuilder()
                        .WithTopic(EdgeTopic.Format(EdgeTopic.DefaultPrefix, ready.Site, device.Device, EdgeChannel.Health))
                        .WithPayload(payload)
                        .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                        .Build(), cancellationToken));
                }
            }

            var end = interval * rounds;
            if (end > stopwatch.Elapsed)
            {
                await Task.Delay(end - stopwatch.Elapsed, cancellationToken);
            }

            // The last reports of the interval are measured too: their PUBACK means the relay stored them.
            await Task.WhenAll(acknowledged);
            var after = await relay.HealthReadingAsync(cancellationToken);
            var seconds = stopwatch.Elapsed.TotalSeconds;
            var cpu = after.CpuSeconds - before.CpuSeconds;
            return new HealthBenchResult(ready.Db, devices, rounds, Math.Round(seconds, 1), after.Stored, Math.Round(cpu, 3), Math.Round(100 * cpu / seconds, 2));
        }
        finally
        {
            foreach (var (_, client) in clients)
            {
                client.Dispose();
            }
        }
    }

    /// <summary>The relay side (in the <c>bench-relay</c> process): its CPU time so far and the devices with a stored report.</summary>
    internal static async Task<string> ReadingAsync(IServiceProvider services, string site, CancellationToken cancellationToken)
    {
        using var self = Process.GetCurrentProcess();
        var stored = (await services.GetRequiredService<IHealthStore>().ListHealthAsync(site, cancellationToken)).Count(r => r.Latest is not null);
        return JsonSerializer.Serialize(new HealthBenchReading(self.TotalProcessorTime.TotalSeconds, stored), BenchJson.Options);
    }

    /// <summary>A kitchen box with four cameras.</summary>
    private static HealthReport Report() => new()
    {
        TimeMs = 1,
        UptimeSeconds = 86_400,
        Version = "bench",
        Cameras = [.. Enumerable.Range(1, 4).Select(i => new CameraHealthReport(
            string.Create(CultureInfo.InvariantCulture, $"cam-{i}"), true, 10, 5, 5, 864_000, 432_000, 12, 150, 40))],
        OutboxDepth = new Dictionary<string, long> { ["alarm"] = 0, ["snapshot"] = 3 },
        DiskFreeBytes = 20_000_000_000,
        DiskTotalBytes = 32_000_000_000,
        CpuPercent = 45,
        TemperatureC = 58,
        MemoryBytes = 300_000_000,
        UplinkConnected = true,
        UplinkRoundTripMs = 40,
    };

    private static async Task<IMqttClient> ConnectAsync(MqttClientFactory factory, BenchReady ready, BenchDevice device, CancellationToken cancellationToken)
    {
        var client = factory.CreateMqttClient();
        await client.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", ready.MqttPort)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId(DeviceClientIds.DefaultFor(ready.Site, device.Device))
            .WithCredentials(device.Username, device.Password)
            .WithTimeout(TimeSpan.FromSeconds(60))
            .Build(), cancellationToken);
        return client;
    }
}
