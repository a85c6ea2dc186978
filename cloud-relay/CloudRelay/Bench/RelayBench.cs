using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using CloudRelay.Hosting;
using CloudRelay.Storage;
using EdgeGateway.Core.Alerts;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace CloudRelay.Bench;

/// <summary>The bench's one JSON line.</summary>
public sealed record BenchResult(
    string Db,
    int Devices,
    int Count,
    long Stored,
    double StoredPerS,
    long Duplicates,
    int DuplicatesSent,
    long Lost,
    long Unacknowledged,
    double Seconds,
    double PubackP99Ms,
    long Commits,
    double MeanBatch,
    double CommitMsMean);

/// <summary>
/// Starts an embedded relay on free loopback ports, connects one real MQTTnet client per simulated device,
/// and has each publish CBOR alerts (QoS 1) with a window of publishes in flight. One in a hundred alerts is
/// sent twice to exercise de-duplication. <c>lost</c> counts acknowledged alerts missing from storage;
/// <c>unacknowledged</c> counts publishes that got no success PUBACK (refused, or the connection was closed).
/// </summary>
public static class RelayBench
{
    public static async Task<BenchResult> RunAsync(int devices, int count, int window, string db, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(devices, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, devices);
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 1);
        var dataDir = Directory.CreateTempSubdirectory("cloud-relay-bench-").FullName;
        try
        {
            var started = await StartRelayAsync(dataDir, db, cancellationToken);
            await using var app = started.App;
            var mqttPort = started.MqttPort;
            var store = app.Services.GetRequiredService<IRelayStore>();
            var site = $"bench-{Guid.NewGuid():N}"[..16];

            var factory = new MqttClientFactory();
            var clients = new List<IMqttClient>(devices);
            var payloads = new List<List<BenchMessage>>(devices);
            var duplicatesSent = 0;
            for (var d = 0; d < devices; d++)
            {
                var device = $"d{d:D4}";
                var credentials = await app.RegisterDeviceAsync(site, device, cancellationToken);
                var client = factory.CreateMqttClient();
                await client.ConnectAsync(new MqttClientOptionsBuilder()
                    .WithTcpServer("127.0.0.1", mqttPort)
                    .WithProtocolVersion(MqttProtocolVersion.V500)
                    .WithClientId($"{site}-{device}")
                    .WithCredentials(credentials.Username, credentials.Password)
                    .WithTimeout(TimeSpan.FromSeconds(60))
                    .Build(), cancellationToken);
                clients.Add(client);

                var perDevice = count / devices + (d < count % devices ? 1 : 0);
                var list = new List<BenchMessage>(perDevice + perDevice / 100);
                var topic = $"edge/{site}/{device}/alert";
                for (var i = 0; i < perDevice; i++)
                {
                    var id = Guid.CreateVersion7();
                    var payload = AlertCbor.Encode(new Alert
                    {
                        Id = id,
                        DeviceId = device,
                        SiteId = site,
                        Sequence = i + 1,
                        Kind = AlertKinds.Test,
                        Severity = AlertSeverity.Warning,
                        State = AlertState.Raised,
                        TimestampMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
                        Attributes = new Dictionary<string, string>(StringComparer.Ordinal) { ["camera"] = "cam1", ["score"] = "0.91" },
                    });
                    list.Add(new BenchMessage(topic, payload, id));
                    if (i % 100 == 50)
                    {
                        list.Add(new BenchMessage(topic, payload, id));
                        duplicatesSent++;
                    }
                }

                payloads.Add(list);
            }

            // Warm up with alerts of their own, not counted, until the JIT has compiled the hot paths with full
            // optimization (tiering is time-based) and SQLite's page cache is filled: the line is the steady state.
            var warmingUp = Stopwatch.StartNew();
            while (warmingUp.Elapsed < WarmUp)
            {
                var round = payloads.Select(list => list.Take(WarmUpRoundPerDevice).Select(Rekey).ToList()).ToList();
                await Task.WhenAll(Enumerable.Range(0, devices).Select(d => PublishAllAsync(clients[d], round[d], window, [], new Outcomes(), cancellationToken)));
            }

            var before = await store.CountAlertsAsync(cancellationToken);
            var counters = app.Counters();
            var duplicatesBefore = counters.Duplicates;
            var (commitsBefore, committedBefore, commitSecondsBefore) = (counters.Commits, counters.CommittedAlerts, counters.CommitSeconds);

            var latencies = new List<double>[devices];
            var outcomes = new Outcomes();
            var stopwatch = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, devices).Select(d =>
                PublishAllAsync(clients[d], payloads[d], window, latencies[d] = [], outcomes, cancellationToken)));
            var seconds = stopwatch.Elapsed.TotalSeconds;

            foreach (var client in clients)
            {
                if (client.IsConnected)
                {
                    await client.DisconnectAsync(new MqttClientDisconnectOptions(), cancellationToken);
                }

                client.Dispose();
            }

            var stored = await store.CountAlertsAsync(cancellationToken) - before;
            var lost = count - stored;
            if (outcomes.Unacknowledged > 0)
            {
                // Some alerts were never acknowledged (and may or may not be stored): check the acknowledged ones by id.
                lost = 0;
                foreach (var id in outcomes.Acknowledged.Keys)
                {
                    if (await store.FindAlertAsync(id, cancellationToken) is null)
                    {
                        lost++;
                    }
                }
            }

            var sorted = latencies.SelectMany(l => l).Order().ToArray();
            var p99 = sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(sorted.Length * 0.99))];
            await app.StopAsync(cancellationToken);
            var commits = counters.Commits - commitsBefore;
            return new BenchResult(store.Kind, devices, count, stored, Math.Round(count / seconds, 1), counters.Duplicates - duplicatesBefore, duplicatesSent,
                lost, outcomes.Unacknowledged, Math.Round(seconds, 3), Math.Round(p99, 2),
                commits, Math.Round((counters.CommittedAlerts - committedBefore) / (double)Math.Max(1, commits), 1),
                Math.Round((counters.CommitSeconds - commitSecondsBefore) * 1000 / Math.Max(1, commits), 2));
        }
        finally
        {
            try
            {
                Directory.Delete(dataDir, recursive: true);
            }
            catch (IOException)
            {
                // A leftover temp folder is harmless.
            }
        }
    }

    private const int WarmUpRoundPerDevice = 30;
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(3);

    /// <summary>The same alert under a fresh id, so warm-up alerts never collide with the measured ones.</summary>
    private static BenchMessage Rekey(BenchMessage message)
    {
        var id = Guid.CreateVersion7();
        var alert = AlertCbor.Decode(message.Payload).Alert!;
        return new BenchMessage(message.Topic, AlertCbor.Encode(alert with { Id = id }), id);
    }

    private static async Task PublishAllAsync(IMqttClient client, List<BenchMessage> messages, int window, List<double> latencies, Outcomes outcomes, CancellationToken cancellationToken)
    {
        using var gate = new SemaphoreSlim(window, window);
        var inFlight = new List<Task>(messages.Count);
        var latencyGate = new Lock();
        foreach (var message in messages)
        {
            await gate.WaitAsync(cancellationToken);
            inFlight.Add(PublishOneAsync(message));
        }

        await Task.WhenAll(inFlight);

        async Task PublishOneAsync(BenchMessage bench)
        {
            try
            {
                var started = Stopwatch.GetTimestamp();
                var message = new MqttApplicationMessageBuilder()
                    .WithTopic(bench.Topic)
                    .WithPayload(bench.Payload)
                    .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                    .Build();
                var result = await client.PublishAsync(message, cancellationToken);
                if (!result.IsSuccess)
                {
                    outcomes.CountUnacknowledged();
                    return;
                }

                outcomes.Acknowledged.TryAdd(bench.Id, 0);
                var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                lock (latencyGate)
                {
                    latencies.Add(elapsed);
                }
            }
            catch (MqttCommunicationException)
            {
                // The relay closed the connection (it does when it cannot store): this publish was not acknowledged.
                outcomes.CountUnacknowledged();
            }
            finally
            {
                gate.Release();
            }
        }
    }

    /// <summary>
    /// A port found free can be taken by another process before the broker binds it, so a start that fails
    /// for that reason is retried on another port. The HTTP API is not used here: Kestrel picks its own port.
    /// </summary>
    private static async Task<(WebApplication App, int MqttPort)> StartRelayAsync(string dataDir, string db, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var mqttPort = FreeLoopbackPort();
            var app = RelayHost.Build(new RelayStartOptions
            {
                MqttPort = mqttPort,
                MqttBindAddress = "127.0.0.1",
                AllowPlaintext = true,
                HttpUrl = "http://127.0.0.1:0",
                DataDir = dataDir,
                Db = db,
                // Errors only: stdout carries the result line, and plain MQTT on loopback is intended here.
                LogLevel = LogLevel.Error,
            });
            try
            {
                await app.StartAsync(cancellationToken);
                return (app, mqttPort);
            }
            catch (Exception ex) when (attempt < 5 && ex.GetBaseException() is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse })
            {
                await app.DisposeAsync();
            }
        }
    }

    private readonly record struct BenchMessage(string Topic, byte[] Payload, Guid Id);

    /// <summary>What came back for the measured publishes.</summary>
    private sealed class Outcomes
    {
        private long _unacknowledged;

        public System.Collections.Concurrent.ConcurrentDictionary<Guid, byte> Acknowledged { get; } = new();

        public long Unacknowledged => Interlocked.Read(ref _unacknowledged);

        public void CountUnacknowledged() => Interlocked.Increment(ref _unacknowledged);
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
