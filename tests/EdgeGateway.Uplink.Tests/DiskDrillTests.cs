using System.Diagnostics;
using System.Text.Json;
using EdgeGateway.Core.Alerts;
using EdgeGateway.Core.Health;
using EdgeGateway.Core.Outbox;
using EdgeGateway.Core.Ports;
using EdgeGateway.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit.Abstractions;

namespace EdgeGateway.Uplink.Tests;

/// <summary>
/// Drills on real filesystems and a real Mosquitto: a 4 MiB loop-mounted ext4 that fills up, and a
/// broker that refuses one message. Each counts what was acknowledged against what arrived (unique
/// by alert id) and checks that the box takes new alarms afterwards.
/// </summary>
[Trait("Category", "Integration")]
public sealed class DiskDrillTests(ITestOutputHelper output)
{
    [LoopMountFact]
    public async Task A_full_4_MiB_disk_refuses_cleanly_drains_frees_the_disk_accepts_again_and_resends_nothing_after_restart()
    {
        using var disk = SmallDisk.TryMount(4, out var whyNot);
        Assert.True(disk is not null, $"cannot mount a 4 MiB ext4: {whyNot}");
        await using var broker = await MosquittoBroker.StartAsync();
        await using var collector = await MqttCollector.StartAsync(broker.Url);
        var data = Path.Combine(disk!.Path, "data");
        var config = Path.Combine(disk.Path, "..", "edgegw.json");
        await File.WriteAllTextAsync(config, $$"""
            {
              "Device": { "Id": "{{UplinkHost.Device}}", "Site": "{{UplinkHost.Site}}" },
              "Storage": { "DataDir": "{{data}}" },
              "Uplink": { "Broker": "{{broker.Url}}", "ReconnectMinMs": 100, "ReconnectMaxMs": 1000 }
            }
            """);

        // 1. Fill the disk: a clear line, exit 1, and the count of what really reached disk.
        var inject = await RunEdgegwAsync("outbox", "inject", "--config", config, "--count", "50000");
        output.WriteLine(inject.Stdout + inject.Stderr);
        Assert.Equal(1, inject.Code);
        var stderr = inject.Stderr.Trim().Split('\n');
        Assert.Single(stderr);
        Assert.Contains("outbox storage is full", stderr[0]);
        Assert.DoesNotContain("   at ", inject.Stderr);
        var injected = JsonDocument.Parse(inject.Stdout.Trim().Split('\n')[^1]).RootElement.GetProperty("injected").GetInt32();
        Assert.InRange(injected, 1000, 49_999);
        var freeWhenFull = disk.FreeBytes;

        // 2. Drain: every stored alarm arrives, the depth falls to 0, the disk frees, a new alarm is taken.
        using (var host = UplinkHost.Build(broker.Url, data))
        {
            await host.StartAsync();
            await collector.WaitForUniqueAlertsAsync(injected, TimeSpan.FromSeconds(90));
            var outbox = host.Services.GetRequiredService<DurableOutbox>();
            await WaitUntilAsync(() => outbox.GetStats().TotalDepth == 0, TimeSpan.FromSeconds(30));
            await outbox.FlushAsync();
            await WaitUntilAsync(() => disk.FreeBytes > freeWhenFull + (1024 * 1024), TimeSpan.FromSeconds(30));
            Assert.False(outbox.StorageFull);
            var after = await host.Services.GetRequiredService<IAlertSink>()
                .PublishAsync(new AlertDraft(AlertKinds.AlarmButton, AlertSeverity.Critical, AlertState.Raised));
            await collector.WaitForAsync(c => c.AlertIds.Contains(after.Id.ToString("D")), TimeSpan.FromSeconds(20));
            await host.StopAsync();
        }

        output.WriteLine($"injected {injected}, free when full {freeWhenFull}, free after {disk.FreeBytes}, unique {collector.UniqueAlerts}");
        var delivered = collector.UniqueAlerts;
        Assert.True(delivered >= injected + 1, $"{delivered} unique alerts arrived; expected the {injected} stored and the new one");

        // 3. A restart resends nothing already acknowledged.
        var beforeRestart = collector.Total;
        using (var restarted = UplinkHost.Build(broker.Url, data))
        {
            await restarted.StartAsync();
            Assert.Equal(0, restarted.Services.GetRequiredService<DurableOutbox>().GetStats().TotalDepth);
            // Once connected, a new alarm goes through: the link was up long enough to resend anything it held.
            await WaitUntilAsync(() => restarted.Services.GetRequiredService<IUplinkMonitor>().GetHealth().Connected, TimeSpan.FromSeconds(30));
            var marker = await restarted.Services.GetRequiredService<IAlertSink>()
                .PublishAsync(new AlertDraft(AlertKinds.AlarmButton, AlertSeverity.Critical, AlertState.Cleared));
            await collector.WaitForAsync(c => c.AlertIds.Contains(marker.Id.ToString("D")), TimeSpan.FromSeconds(20));
            await restarted.StopAsync();
        }

        await collector.WaitForQuietAsync(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(5));
        Assert.Equal(delivered + 1, collector.UniqueAlerts);
        Assert.DoesNotContain(collector.Messages.Skip((int)beforeRestart), m => m.Topic.EndsWith("/alert", StringComparison.Ordinal)
            && AlertCbor.Decode(m.Payload).Alert?.Kind == AlertKinds.Test);
    }

    [Fact]
    public async Task A_message_the_broker_always_refuses_is_dead_lettered_and_never_blocks_the_ones_behind_it()
    {
        await using var broker = await MosquittoBroker.StartAsync("message_size_limit 1000");
        await using var collector = await MqttCollector.StartAsync(broker.Url);
        using var data = new TempDirectory();
        var logs = new CapturingLoggerProvider();
        using var host = UplinkHost.Build(broker.Url, data.Path, logs: logs);
        await host.StartAsync();
        var sink = host.Services.GetRequiredService<IAlertSink>();
        var outbox = host.Services.GetRequiredService<DurableOutbox>();

        // The poison is first in line, with 200 alarms behind it.
        var poisonId = Guid.CreateVersion7();
        await outbox.EnqueueAsync(new OutboxMessage(OutboxClass.Alarm, new byte[4000], poisonId));
        var published = new List<Alert>();
        for (var i = 0; i < 200; i++)
        {
            published.Add(await sink.PublishAsync(new AlertDraft(AlertKinds.Trapped, AlertSeverity.Critical, AlertState.Raised)));
        }

        try
        {
            await collector.WaitForAsync(c => c.Messages.Any(IsDeadLetterNotice), TimeSpan.FromSeconds(60));
            await collector.WaitForUniqueAlertsAsync(201, TimeSpan.FromSeconds(30));
        }
        finally
        {
            foreach (var line in logs.Lines.Take(40))
            {
                output.WriteLine($"{line.Level} {line.EventId} {line.Text}");
            }
        }

        var stats = outbox.GetStats();
        await host.StopAsync();
        host.Dispose();

        var notice = AlertCbor.Decode(collector.Messages.First(IsDeadLetterNotice).Payload).Alert!;
        output.WriteLine(notice.Attributes["reason"]);
        Assert.Contains("PacketTooLarge", notice.Attributes["reason"]);
        Assert.Equal(poisonId.ToString("D"), notice.Attributes["alert_id"]);
        Assert.All(published, alert => Assert.Contains(alert.Id.ToString("D"), collector.AlertIds));
        Assert.Equal(1, stats.DeadLetters);
        Assert.Equal(0, stats.TotalDepth);
        Assert.Single(Directory.GetFiles(data.File("outbox", "dead-letters")));

        // It survives a restart as a dead letter, not in the queue.
        using var reopened = UplinkHost.Build(broker.Url, data.Path);
        var again = reopened.Services.GetRequiredService<DurableOutbox>();
        Assert.Equal(0, again.GetStats().TotalDepth);
        Assert.Equal(1, again.GetStats().DeadLetters);
    }

    private static bool IsDeadLetterNotice(MqttCollector.Received message) =>
        message.Topic.EndsWith("/alert", StringComparison.Ordinal)
        && AlertCbor.Decode(message.Payload).Alert?.Kind == AlertKinds.OutboxDeadLetter;

    private static async Task<(int Code, string Stdout, string Stderr)> RunEdgegwAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet", [EdgegwPaths.Dll, .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.True(condition(), "condition not met in time");
    }
}
