using System.Collections.Concurrent;
using System.Diagnostics;
using CloudRelay.Fleet;
using EdgeGateway.Contracts;
using EdgeGateway.Contracts.Fleet;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace CloudRelay.Bench;

/// <summary>The fleet bench's one JSON line.</summary>
public sealed record FleetBenchResult(string Db, int Devices, long Version, int Reported, int Received, double Seconds, double RelayCpuSeconds, double RelayCpuPercent);

/// <summary>
/// The fleet bench: the relay in its own process (as <see cref="RelayBench"/> runs it) with N registered devices, and N
/// real MQTT clients here, each subscribed to its <c>config/desired</c> and answering <c>applied</c> with the version
/// and sha256 it got. One layer for <c>all</c> is set inside the relay, which measures the time from the set to the
/// last report stored and its own CPU time meanwhile.
/// </summary>
public static class FleetBench
{
    private const int ConnectsAtOnce = 50;

    public static async Task<FleetBenchResult> RunAsync(int devices, string db, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(devices, 1);
        await using var relay = await BenchRelayProcess.StartAsync(devices, db, cancellationToken);
        var ready = relay.Ready;
        var factory = new MqttClientFactory();
        var clients = new ConcurrentBag<IMqttClient>();
        var received = 0;
        using var gate = new SemaphoreSlim(ConnectsAtOnce);
        try
        {
            await Task.WhenAll(ready.Devices.Select(async device =>
            {
                await gate.WaitAsync(cancellationToken);
                try
                {
                    clients.Add(await ConnectAsync(factory, ready, device, () => Interlocked.Increment(ref received), cancellationToken));
                }
                finally
                {
                    gate.Release();
                }
            }));

            var layer = """{"Outbox": {"MaxItems": 50000}, "Vision": {"FrameRate": 5}}""";
            var answer = await relay.SetAllAndWaitAsync(layer, timeout, cancellationToken);
            return new FleetBenchResult(ready.Db, devices, answer.Version, answer.Reported, Volatile.Read(ref received), Math.Round(answer.Seconds, 3),
                Math.Round(answer.CpuSeconds, 3), Math.Round(100 * answer.CpuSeconds / Math.Max(0.001, answer.Seconds), 1));
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }
    }

    /// <summary>The relay side of one measurement (in the <c>bench-relay</c> process).</summary>
    internal static async Task<FleetBenchAnswer> SetAndMeasureAsync(IServiceProvider services, string site, int devices, string layer, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var fleet = services.GetRequiredService<FleetConfigService>();
        using var self = Process.GetCurrentProcess();
        var cpu = self.TotalProcessorTime;
        var stopwatch = Stopwatch.StartNew();
        var set = await fleet.SetAsync("all", layer, "bench", cancellationToken);
        var version = set.Change?.Version ?? throw new InvalidOperationException(string.Join("; ", set.Problems));
        var reported = 0;
        while (stopwatch.Elapsed < timeout)
        {
            reported = (await fleet.DevicesAsync(site, cancellationToken)).Count(d => d.Reported?.Report.Version == version);
            if (reported >= devices)
            {
                break;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
        }

        var seconds = stopwatch.Elapsed.TotalSeconds;
        self.Refresh();
        return new FleetBenchAnswer(version, reported, seconds, (self.TotalProcessorTime - cpu).TotalSeconds);
    }

    /// <summary>A box in miniature: subscribes to its desired configuration and reports each one applied.</summary>
    private static async Task<IMqttClient> ConnectAsync(MqttClientFactory factory, BenchReady ready, BenchDevice device, Action received, CancellationToken cancellationToken)
    {
        var client = factory.CreateMqttClient();
        var reportTopic = EdgeTopic.Format(EdgeTopic.DefaultPrefix, ready.Site, device.Device, EdgeChannel.ConfigReported);
        client.ApplicationMessageReceivedAsync += async e =>
        {
            if (!DesiredConfig.TryDecode(System.Buffers.BuffersExtensions.ToArray(e.ApplicationMessage.Payload), out var desired, out _))
            {
                return;
            }

            received();
            var report = new ConfigReport(desired!.Version, desired.Sha256, FleetConfigStatus.Applied, [], [], DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            await client.PublishAsync(new MqttApplicationMessageBuilder()
                .WithTopic(reportTopic)
                .WithPayload(report.Encode())
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .Build(), CancellationToken.None);
        };
        await client.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", ready.MqttPort)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId(DeviceClientIds.DefaultFor(ready.Site, device.Device))
            .WithCredentials(device.Username, device.Password)
            .WithTimeout(TimeSpan.FromSeconds(60))
            .Build(), cancellationToken);
        await client.SubscribeAsync(EdgeTopic.Format(EdgeTopic.DefaultPrefix, ready.Site, device.Device, EdgeChannel.ConfigDesired),
            MqttQualityOfServiceLevel.AtLeastOnce, cancellationToken);
        return client;
    }
}
