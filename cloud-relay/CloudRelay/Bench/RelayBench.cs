using System.Diagnostics;
using System.Text.Json;
using System.Net;
using System.Net.Sockets;
using CloudRelay.Hosting;
using CloudRelay.Database;
using EdgeGateway.Contracts;
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
    string Kind,
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
/// The load generator: starts the relay as a child process (<c>cloud-relay bench-relay</c>), so the relay and the
/// clients do not share one process's thread pool and GC, connects one real MQTTnet client per simulated device,
/// and has each publish CBOR alerts (QoS 1) with a window of publishes in flight. One in a hundred alerts is
/// sent twice to exercise de-duplication. <c>lost</c> counts acknowledged alerts missing from storage;
/// <c>unacknowledged</c> counts publishes that got no success PUBACK (refused, or the connection was closed).
/// </summary>
public static class RelayBench
{
    /// <param name="kind">The alerts' kind: <c>test</c> opens no case; a kind with a deadline (e.g. <c>no_mask</c>) also fills the case inbox.</param>
    public static async Task<BenchResult> RunAsync(int devices, int count, int window, string db, CancellationToken cancellationToken, string kind = AlertKinds.Test)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(devices, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, devices);
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 1);
        await using var relay = await BenchRelayProcess.StartAsync(devices, db, cancellationToken);
        var ready = relay.Ready;
        var site = ready.Site;

        var factory = new MqttClientFactory();
        var clients = new List<IMqttClient>(devices);
        var payloads = new List<List<BenchMessage>>(devices);
        var duplicatesSent = 0;
        foreach (var (device, credentials) in ready.Devices.Select((d, i) => (d.Device, d)))
        {
            var client = factory.CreateMqttClient();
            await client.ConnectAsync(new MqttClientOptionsBuilder()
                .WithTcpServer("127.0.0.1", ready.MqttPort)
                .WithProtocolVersion(MqttProtocolVersion.V500)
                .WithClientId(DeviceClientIds.DefaultFor(site, device))
                .WithCredentials(credentials.Username, credentials.Password)
                .WithTimeout(TimeSpan.FromSeconds(60))
                .Build(), cancellationToken);
            clients.Add(client);

            var d = clients.Count - 1;
            var perDevice = count / devices + (d < count % devices ? 1 : 0);
            var list = new List<BenchMessage>(perDevice + perDevice / 100);
            var topic = EdgeTopic.Format(EdgeTopic.DefaultPrefix, site, device, EdgeChannel.Alert);
            for (var i = 0; i < perDevice; i++)
            {
                var id = Guid.CreateVersion7();
                var payload = AlertCbor.Encode(new Alert
                {
                    Id = id,
                    DeviceId = device,
                    SiteId = site,
                    Sequence = i + 1,
                    Kind = kind,
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

        var before = await relay.CountersAsync(cancellationToken);

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

        var after = await relay.CountersAsync(cancellationToken);
        var stored = after.Alerts - before.Alerts;
        var lost = count - stored;
        if (outcomes.Unacknowledged > 0)
        {
            // Some alerts were never acknowledged (and may or may not be stored): check the acknowledged ones by id.
            lost = await relay.CountMissingAsync(outcomes.Acknowledged.Keys, cancellationToken);
        }

        var sorted = latencies.SelectMany(l => l).Order().ToArray();
        var p99 = sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(sorted.Length * 0.99))];
        var commits = after.Commits - before.Commits;
        return new BenchResult(ready.Db, kind, devices, count, stored, Math.Round(count / seconds, 1), after.Duplicates - before.Duplicates, duplicatesSent,
            lost, outcomes.Unacknowledged, Math.Round(seconds, 3), Math.Round(p99, 2),
            commits, Math.Round((after.CommittedAlerts - before.CommittedAlerts) / (double)Math.Max(1, commits), 1),
            Math.Round((after.CommitSeconds - before.CommitSeconds) * 1000 / Math.Max(1, commits), 2));
    }

    /// <summary>
    /// The relay side (<c>cloud-relay bench-relay</c>): starts an embedded relay on free loopback ports with a
    /// temp data folder, registers the devices, prints one <see cref="BenchReady"/> JSON line, then answers the
    /// load generator's commands on stdin (<c>counters</c>, <c>missing</c> + ids + <c>.</c>, <c>stop</c>).
    /// </summary>
    public static async Task ServeAsync(int devices, string db, TextReader input, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        var dataDir = Directory.CreateTempSubdirectory("cloud-relay-bench-").FullName;
        try
        {
            var started = await StartRelayAsync(dataDir, db, cancellationToken);
            await using var app = started.App;
            var store = app.Services.GetRequiredService<IRelayStore>();
            var site = $"bench-{Guid.NewGuid():N}"[..16];
            var registered = new List<BenchDevice>(devices);
            for (var d = 0; d < devices; d++)
            {
                var device = $"d{d:D4}";
                var credentials = await app.RegisterDeviceAsync(site, device, cancellationToken: cancellationToken);
                registered.Add(new BenchDevice(device, credentials.Username, credentials.Password));
            }

            await output.WriteLineAsync(JsonSerializer.Serialize(new BenchReady(store.Kind, started.MqttPort, site, registered), BenchJson.Options));
            await output.FlushAsync(cancellationToken);
            var counters = app.Counters();
            while (await input.ReadLineAsync(cancellationToken) is { } command && command != "stop")
            {
                if (command == "counters")
                {
                    var snapshot = new BenchCounters(await store.CountAlertsAsync(cancellationToken), counters.Duplicates, counters.Commits,
                        counters.CommittedAlerts, counters.CommitSeconds);
                    await output.WriteLineAsync(JsonSerializer.Serialize(snapshot, BenchJson.Options));
                }
                else if (command == "missing")
                {
                    long missing = 0;
                    while (await input.ReadLineAsync(cancellationToken) is { } line && line != ".")
                    {
                        if (Guid.TryParse(line, out var id) && await store.FindAlertAsync(id, cancellationToken) is null)
                        {
                            missing++;
                        }
                    }

                    await output.WriteLineAsync(missing.ToString(System.Globalization.CultureInfo.InvariantCulture));
                }
                else if (command == "health")
                {
                    await output.WriteLineAsync(await HealthBench.ReadingAsync(app.Services, site, cancellationToken));
                }
                else if (command.StartsWith("fleet-set ", StringComparison.Ordinal))
                {
                    var timeout = TimeSpan.FromMilliseconds(long.Parse(command["fleet-set ".Length..], System.Globalization.CultureInfo.InvariantCulture));
                    var layer = await input.ReadLineAsync(cancellationToken) ?? "{}";
                    var answer = await FleetBench.SetAndMeasureAsync(app.Services, site, devices, layer, timeout, cancellationToken);
                    await output.WriteLineAsync(JsonSerializer.Serialize(answer, BenchJson.Options));
                }

                await output.FlushAsync(cancellationToken);
            }

            await app.StopAsync(cancellationToken);
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
