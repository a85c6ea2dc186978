using System.Text.Json;
using EdgeGateway.Core.Alerts;
using EdgeGateway.Core.Outbox;
using EdgeGateway.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace EdgeGateway.Uplink.Tests;

/// <summary>
/// <c>edgegw outbox dead-letters list|retry|drop</c> as a technician uses them: the real edgegw
/// against a real store, a broker that refuses two messages, and then one that takes them.
/// </summary>
[Trait("Category", "Integration")]
public sealed class DeadLetterCliTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_technician_lists_the_refused_records_with_their_reason_retries_one_to_delivery_and_drops_the_other()
    {
        using var data = new TempDirectory();
        var config = data.File("edgegw.json");

        // Two 4000-byte alarms a broker limited to 1000-byte messages refuses, and ten it takes.
        var first = Guid.CreateVersion7();
        var second = Guid.CreateVersion7();
        await EnqueueAsync(data.Path, (first, 4000), (second, 4000));
        await Drill.InjectAsync(data.Path, 10);

        await using (var strict = await MosquittoBroker.StartAsync("message_size_limit 1000"))
        await using (var collector = await MqttCollector.StartAsync(strict.Url))
        {
            Drill.WriteConfig(config, data.Path, strict.Url);
            var drain = await Drill.RunEdgegwAsync("outbox", "drain", "--config", config, "--until-empty");
            Assert.True(drain.Code == 0, drain.Stdout + drain.Stderr);
            await collector.WaitForUniqueAlertsAsync(12, TimeSpan.FromSeconds(10));
            Assert.Equal(10, collector.AlertIds.Count(id => id != first.ToString("D") && id != second.ToString("D") && !IsNotice(collector, id)));
            Assert.Equal(2, collector.Messages.Count(m => m.Topic.EndsWith("/alert", StringComparison.Ordinal)
                && AlertCbor.Decode(m.Payload).Alert?.Kind == AlertKinds.OutboxDeadLetter));
        }

        // list: one line per letter, with its alert id, size and the broker's reason.
        var list = await EdgegwAsync("outbox", "dead-letters", "list", "--config", config);
        var letters = Lines(list).ToDictionary(l => l.GetProperty("alert_id").GetString()!);
        Assert.Equal(new[] { first.ToString("D"), second.ToString("D") }.Order(StringComparer.Ordinal), letters.Keys.Order(StringComparer.Ordinal));
        foreach (var letter in letters.Values)
        {
            Assert.Equal("alarm", letter.GetProperty("class").GetString());
            Assert.Equal(4000, letter.GetProperty("bytes").GetInt32());
            Assert.Contains("refused by the broker", letter.GetProperty("reason").GetString());
            Assert.Contains("PacketTooLarge", letter.GetProperty("reason").GetString());
            Assert.True(DateTimeOffset.UtcNow - letter.GetProperty("parked_at").GetDateTimeOffset() < TimeSpan.FromMinutes(5));
        }

        var stats = Lines(await EdgegwAsync("outbox", "stats", "--config", config)).Single();
        Assert.Equal(2, stats.GetProperty("dead_letters").GetInt32());
        Assert.Equal(0, stats.GetProperty("dead_letters_unreported").GetInt32());
        Assert.Equal(0, stats.GetProperty("total").GetInt32());

        // The cause is fixed (a broker that takes large messages): retry the first, and it is delivered.
        var firstRecord = letters[first.ToString("D")].GetProperty("record").GetInt64();
        var secondRecord = letters[second.ToString("D")].GetProperty("record").GetInt64();
        await using (var lenient = await MosquittoBroker.StartAsync())
        await using (var collector = await MqttCollector.StartAsync(lenient.Url))
        {
            Drill.WriteConfig(config, data.Path, lenient.Url);
            var retry = Lines(await EdgegwAsync("outbox", "dead-letters", "retry", "--config", config, "--record", $"{firstRecord}")).Single();
            Assert.Equal(1, retry.GetProperty("retried").GetInt32());
            var left = Lines(await EdgegwAsync("outbox", "dead-letters", "list", "--config", config));
            Assert.Equal(second.ToString("D"), Assert.Single(left).GetProperty("alert_id").GetString());
            Assert.Equal(1, Lines(await EdgegwAsync("outbox", "stats", "--config", config)).Single().GetProperty("total").GetInt32());

            var drain = await Drill.RunEdgegwAsync("outbox", "drain", "--config", config, "--until-empty");
            Assert.True(drain.Code == 0, drain.Stdout + drain.Stderr);
            await collector.WaitForAsync(c => c.AlertIds.Contains(first.ToString("D")), TimeSpan.FromSeconds(10));
            var delivered = Assert.Single(collector.Messages, m => m.AlertId == first.ToString("D"));
            Assert.Equal(4000, delivered.Payload.Length);
            Assert.DoesNotContain(second.ToString("D"), collector.AlertIds);
        }

        // drop: the second goes for good, and is counted.
        var unknown = await Drill.RunEdgegwAsync("outbox", "dead-letters", "drop", "--config", config, "--record", "987654");
        Assert.Equal(1, unknown.Code);
        Assert.Equal("--record 987654: no such dead letter; see 'edgegw outbox dead-letters list'", unknown.Stderr.Trim());
        var drop = Lines(await EdgegwAsync("outbox", "dead-letters", "drop", "--config", config, "--record", $"{secondRecord}")).Single();
        Assert.Equal(1, drop.GetProperty("dropped").GetInt32());
        Assert.Empty(Lines(await EdgegwAsync("outbox", "dead-letters", "list", "--config", config)));
        var after = Lines(await EdgegwAsync("outbox", "stats", "--config", config)).Single();
        Assert.Equal(0, after.GetProperty("dead_letters").GetInt32());
        Assert.Equal(1, after.GetProperty("dead_letters_dropped").GetInt64());
        Assert.Equal(0, after.GetProperty("total").GetInt32());
        Assert.Empty(Directory.GetFiles(data.File("outbox", "dead-letters"), "*.letter"));
    }

    private async Task<string> EdgegwAsync(params string[] arguments)
    {
        var (code, stdout, stderr) = await Drill.RunEdgegwAsync(arguments);
        output.WriteLine($"$ edgegw {string.Join(' ', arguments)}\n{stdout}{stderr}");
        Assert.True(code == 0, $"edgegw {string.Join(' ', arguments)} exited {code}: {stderr}");
        Assert.Equal(string.Empty, stderr);
        return stdout;
    }

    private static List<JsonElement> Lines(string stdout) =>
        [.. stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone())];

    private static bool IsNotice(MqttCollector collector, string alertId) =>
        collector.Messages.Any(m => m.AlertId == alertId && AlertCbor.Decode(m.Payload).Alert?.Kind == AlertKinds.OutboxDeadLetter);

    /// <summary>Puts records of the given sizes straight into the data folder's outbox (first in line).</summary>
    private static async Task EnqueueAsync(string dataDir, params (Guid AlertId, int Bytes)[] records)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(UplinkHost.Config("mqtt://127.0.0.1:1", dataDir)).Build();
        await using var provider = new ServiceCollection().AddLogging().AddEdgeOutbox(configuration).BuildServiceProvider();
        var outbox = provider.GetRequiredService<IOutbox>();
        foreach (var (alertId, bytes) in records)
        {
            await outbox.EnqueueAsync(new OutboxMessage(OutboxClass.Alarm, new byte[bytes], alertId));
        }
    }
}
