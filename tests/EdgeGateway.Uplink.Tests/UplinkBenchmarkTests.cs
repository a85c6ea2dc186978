using EdgeGateway.Testing;
using EdgeGateway.Uplink.Bench;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeGateway.Uplink.Tests;

/// <summary><c>edgegw bench uplink</c> against a real Mosquitto, with mosquitto_pub as its yardstick.</summary>
[Trait("Category", "Integration")]
public sealed class UplinkBenchmarkTests
{
    [Fact]
    public async Task The_bench_drains_every_alarm_and_measures_mosquitto_pub_on_the_same_broker_as_its_baseline()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await using var collector = await MqttCollector.StartAsync(broker.Url);

        var result = await UplinkBenchmark.RunAsync(broker.Url, 2000, 64, 64, NullLoggerFactory.Instance, CancellationToken.None);

        // Every drained alarm reached the broker, and so did the baseline's messages.
        await collector.WaitForUniqueAlertsAsync(2000, TimeSpan.FromSeconds(30));
        await collector.WaitForAsync(c => c.Messages.Count(m => m.Topic.EndsWith("-baseline", StringComparison.Ordinal)) == 2000, TimeSpan.FromSeconds(30));
        Assert.All(collector.Messages.Where(m => m.Topic.EndsWith("-baseline", StringComparison.Ordinal)), m => Assert.Equal(result.PayloadBytes, m.Payload.Length));
        Assert.True(result.EnqueuePerSecond > 0 && result.DrainPerSecond > 0);
        var baseline = Assert.NotNull(result.MosquittoPubPerSecond);
        Assert.True(baseline > 0);
        Assert.Equal(result.DrainPerSecond / baseline, result.DrainRatio);
    }
}
