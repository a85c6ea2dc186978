using System.Diagnostics;
using EdgeGateway.Contracts;
using EdgeGateway.Core;
using EdgeGateway.Core.Alerts;
using EdgeGateway.Core.Outbox;
using EdgeGateway.Core.Publishing;
using EdgeGateway.Uplink.Configuration;
using EdgeGateway.Uplink.Mqtt;
using EdgeGateway.Uplink.Segments;
using Microsoft.Extensions.Logging;
using EdgeGateway.Core.Configuration;

namespace EdgeGateway.Uplink.Bench;

/// <summary>What <c>edgegw bench uplink</c> measured.</summary>
public sealed record UplinkBenchResult(
    int Count,
    int Concurrency,
    int Window,
    double EnqueuePerSecond,
    double EnqueueP50Ms,
    double EnqueueP99Ms,
    double DrainPerSecond,
    double BytesPerAlert,
    double PayloadBytes,
    double? MosquittoPubPerSecond)
{
    /// <summary>The drain's rate against <c>mosquitto_pub</c>'s on the same broker in the same run.</summary>
    public double? DrainRatio => MosquittoPubPerSecond is > 0 ? DrainPerSecond / MosquittoPubPerSecond : null;
}

/// <summary>
/// Measures the two halves of the uplink on this machine: durable alarm enqueues into a real
/// on-disk outbox (concurrent producers, so group commit can share fsyncs), then the drain of that
/// backlog to a real broker with QoS 1 (a record counts when its PUBACK arrived), and then the same
/// count through <c>mosquitto_pub</c> as the baseline.
/// </summary>
public static class UplinkBenchmark
{
    public static async Task<UplinkBenchResult> RunAsync(
        string brokerUrl, int count, int concurrency, int window, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(loggers);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        if (!BrokerAddress.TryParse(brokerUrl, out var address, out var error))
        {
            throw new ArgumentException($"broker '{brokerUrl}': {error}", nameof(brokerUrl));
        }

        var directory = Directory.CreateTempSubdirectory("edgegw-bench-").FullName;
        try
        {
            var time = TimeProvider.System;
            var device = new DeviceOptions { Id = "bench-0001", Site = "site-bench" };
            using var outbox = await DurableOutbox.OpenAsync(
                new FileOutboxStore(new FileOutboxStoreOptions(Path.Combine(directory, "outbox")), time, loggers.CreateLogger<FileOutboxStore>()),
                new OutboxPolicy { BudgetBytes = long.MaxValue / 2 },
                time,
                loggers.CreateLogger<DurableOutbox>(),
                cancellationToken).ConfigureAwait(false);
            var publisher = new AlertPublisher(new DeviceIdentity(device.Id, device.Site), new FileAlertSequence(directory), outbox, time);

            var latencies = new double[count];
            var next = -1;
            long payloadTotal = 0;
            var clock = Stopwatch.StartNew();
            var producers = Enumerable.Range(0, Math.Max(1, concurrency)).Select(async _ =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < count)
                {
                    var started = Stopwatch.GetTimestamp();
                    var alert = await publisher.PublishAsync(Draft(i), cancellationToken).ConfigureAwait(false);
                    latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                    if (i == 0)
                    {
                        Interlocked.Add(ref payloadTotal, AlertCbor.Encode(alert).Length);
                    }
                }
            });
            await Task.WhenAll(producers).ConfigureAwait(false);
            var enqueueSeconds = clock.Elapsed.TotalSeconds;

            await using var transport = new MqttUplinkTransport(
                new UplinkOptions { Broker = brokerUrl, Window = window, ReconnectMinMs = 200, ReconnectMaxMs = 2000 },
                device,
                time,
                loggers.CreateLogger<MqttUplinkTransport>());
            var forwarder = new OutboxForwarder(outbox, transport, publisher, time, loggers.CreateLogger<OutboxForwarder>(), window);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var link = transport.RunAsync(stop.Token);
            using (var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                connectTimeout.CancelAfter(TimeSpan.FromSeconds(15));
                try
                {
                    await transport.WaitForConnectionAsync(0, connectTimeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new InvalidOperationException($"cannot reach the broker at {transport.Broker}: {transport.LastError ?? "no answer"}");
                }
            }

            clock.Restart();
            var send = forwarder.RunAsync(stop.Token);
            while (forwarder.Sent < count && !send.IsCompleted)
            {
                await Task.Delay(2, cancellationToken).ConfigureAwait(false);
            }

            var drainSeconds = clock.Elapsed.TotalSeconds;
            await stop.CancelAsync().ConfigureAwait(false);
            await Swallow(send).ConfigureAwait(false);
            await Swallow(link).ConfigureAwait(false);

            Array.Sort(latencies);
            var payload = (int)Interlocked.Read(ref payloadTotal);
            var baseline = await MosquittoPubBaseline.MeasureAsync(address, transport.Topics.Alert + "-baseline", count, payload, cancellationToken).ConfigureAwait(false);
            var wire = MqttWire.PublishBytes(
                transport.Topics.Alert,
                payload,
                UplinkEncodings.ContentType(AlertEncoding.Cbor),
                [(MqttUplinkTransport.AlertIdProperty, Guid.Empty.ToString("D"))]) + MqttWire.PubackBytes;
            return new UplinkBenchResult(
                count,
                concurrency,
                window,
                count / enqueueSeconds,
                Percentile(latencies, 0.50),
                Percentile(latencies, 0.99),
                count / drainSeconds,
                wire,
                payload,
                baseline);
        }
        finally
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
                // Leftover temp files are harmless.
            }
        }
    }

    private static AlertDraft Draft(int i) => new(
        AlertKinds.NoMask,
        AlertSeverity.Warning,
        AlertState.Raised,
        new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["camera"] = "cam-1",
            ["label"] = "person",
            ["score"] = (0.5 + ((i % 50) / 100.0)).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture),
        });

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    private static async Task Swallow(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
