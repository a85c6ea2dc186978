using System.Buffers.Binary;
using System.Diagnostics;
using System.Text.Json;
using EdgeGateway.Core.Alerts;
using EdgeGateway.Core.Health;
using EdgeGateway.Core.Outbox;
using EdgeGateway.Core.Publishing;
using EdgeGateway.Testing;
using EdgeGateway.Uplink.Segments;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace EdgeGateway.Uplink.Tests;

/// <summary>
/// Drills on real filesystems and a real Mosquitto: small loop-mounted ext4 images that fill up,
/// lose a tail or get damaged, a gateway killed with -9, and a broker that refuses one message.
/// Each counts what was acknowledged against what arrived (unique by alert id) and checks that the
/// box takes new alarms afterwards.
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
        var config = Drill.WriteConfig(Path.Combine(disk.Path, "..", "edgegw.json"), data, broker.Url);

        // 1. Fill the disk: a clear line, exit 1, and the count of what really reached disk.
        var inject = await Drill.RunEdgegwAsync("outbox", "inject", "--config", config, "--count", "50000");
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
            await Drill.WaitUntilAsync(() => outbox.GetStats().TotalDepth == 0, TimeSpan.FromSeconds(30));
            await outbox.FlushAsync();
            await Drill.WaitUntilAsync(() => disk.FreeBytes > freeWhenFull + (1024 * 1024), TimeSpan.FromSeconds(30));
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
            await Drill.WaitUntilAsync(() => restarted.Services.GetRequiredService<IUplinkMonitor>().GetHealth().Connected, TimeSpan.FromSeconds(30));
            var marker = await restarted.Services.GetRequiredService<IAlertSink>()
                .PublishAsync(new AlertDraft(AlertKinds.AlarmButton, AlertSeverity.Critical, AlertState.Cleared));
            await collector.WaitForAsync(c => c.AlertIds.Contains(marker.Id.ToString("D")), TimeSpan.FromSeconds(20));
            await restarted.StopAsync();
        }

        await collector.WaitForQuietAsync(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(15));
        Assert.Equal(delivered + 1, collector.UniqueAlerts);
        Assert.DoesNotContain(collector.Messages.Skip((int)beforeRestart), m => m.Topic.EndsWith("/alert", StringComparison.Ordinal)
            && AlertCbor.Decode(m.Payload).Alert?.Kind == AlertKinds.Test);
    }

    /// <summary>
    /// Another program fills the disk between two looks of the store at its free space (it looks at
    /// most every 250 ms; the test holds the store's clock so the gap is certain), and then a delivery
    /// makes the oldest segment mostly dead, so compaction copies its live records forward and meets
    /// ENOSPC half way. Nothing acknowledged may be touched, and once the space returns the store
    /// compacts by itself, takes new alarms and delivers every record it held.
    /// </summary>
    [LoopMountFact]
    public async Task Enospc_during_compaction_touches_no_acknowledged_record_and_the_store_recovers_when_space_returns()
    {
        const int Records = 1500;
        const int PayloadBytes = 1000;
        using var disk = SmallDisk.TryMount(4, out var whyNot);
        Assert.True(disk is not null, $"cannot mount a 4 MiB ext4: {whyNot}");
        await using var broker = await MosquittoBroker.StartAsync();
        await using var collector = await MqttCollector.StartAsync(broker.Url);
        var data = Path.Combine(disk!.Path, "data");
        var directory = Path.Combine(data, "outbox");
        var clock = new HeldClock();
        var logs = new CapturingLoggerProvider();
        using var loggers = LoggerFactory.Create(b => b.AddProvider(logs));
        var outbox = await DurableOutbox.OpenAsync(
            new FileOutboxStore(new FileOutboxStoreOptions(directory, SegmentBytes: 64 * 1024), clock, loggers.CreateLogger<FileOutboxStore>()),
            new OutboxPolicy(),
            clock,
            loggers.CreateLogger<DurableOutbox>());
        var alertIds = new Guid[Records];
        try
        {
            // 1. Alarms, each acknowledged to its caller (on disk, synced): one record a segment frame apart.
            for (var i = 0; i < Records; i++)
            {
                alertIds[i] = Guid.CreateVersion7();
                await outbox.EnqueueAsync(new OutboxMessage(OutboxClass.Alarm, Payload(i, PayloadBytes), alertIds[i]));
            }

            var segments = SegmentLengths(directory);
            var frame = segments.Values.Sum() / Records;
            var perSegment = (int)(segments.First().Value / frame);
            output.WriteLine($"{segments.Count} segments, {frame} bytes a record, {perSegment} records in the oldest");
            Assert.True(segments.Count >= 10 && perSegment >= 40, $"{segments.Count} segments of {perSegment} records");

            // 2. The broker took most of the oldest segment: still more than an eighth live, so no compaction yet.
            var inFlight = new List<OutboxEntry>();
            for (var i = 0; i < Records; i++)
            {
                inFlight.Add(await outbox.TakeAsync(CancellationToken.None));
            }

            var keep = (perSegment / 8) + 2;
            var delivered = new HashSet<int>();
            for (var i = 0; i < perSegment - keep; i++)
            {
                outbox.Acknowledge(inFlight[i]);
                delivered.Add(i);
            }

            await outbox.FlushAsync();
            Assert.True(File.Exists(Path.Combine(directory, SegmentFile.NameOf(1))), "the oldest segment was compacted too early");

            // 3. The disk fills behind the store's back; two more deliveries make the oldest segment mostly dead.
            clock.Hold();
            var ballast = disk.Fill(leaveBytes: 4096);
            output.WriteLine($"ballast {ballast} bytes, {disk.FreeBytes} bytes free");
            for (var i = perSegment - keep; i < perSegment - keep + 2; i++)
            {
                outbox.Acknowledge(inFlight[i]);
                delivered.Add(i);
            }

            await outbox.FlushAsync();
            await Drill.WaitUntilAsync(() => logs.TextOf(UplinkLogEvents.StoreCompactionFailed).Any(), TimeSpan.FromSeconds(10));
            var failure = Assert.Single(logs.TextOf(UplinkLogEvents.StoreCompactionFailed));
            output.WriteLine(failure);
            Assert.Contains("No space left on device", failure, StringComparison.OrdinalIgnoreCase);

            // Nothing acknowledged was touched: the disk holds exactly the undelivered records, intact, and the depth agrees.
            var expected = Enumerable.Range(0, Records).Where(i => !delivered.Contains(i)).ToList();
            AssertOnDisk(directory, inFlight, expected);
            Assert.Equal(expected.Count, outbox.GetStats().TotalDepth);
            Assert.True(File.Exists(Path.Combine(directory, SegmentFile.NameOf(1))), "the segment being compacted must stay until its copy is on disk");

            // A full disk is a state: an alarm that cannot be stored fails to its caller with one clear line.
            Assert.True(outbox.StorageFull);
            var refused = await Assert.ThrowsAsync<OutboxStorageFullException>(
                () => outbox.EnqueueAsync(new OutboxMessage(OutboxClass.Alarm, Payload(-1, PayloadBytes), Guid.CreateVersion7())).AsTask());
            Assert.DoesNotContain('\n', refused.Message);
            AssertOnDisk(directory, inFlight, expected);

            // 4. The space returns: the store compacts by itself, says storage is no longer full, and takes new alarms.
            disk.Empty();
            clock.Release();
            await Drill.WaitUntilAsync(() => !File.Exists(Path.Combine(directory, SegmentFile.NameOf(1))), TimeSpan.FromSeconds(20));
            await Drill.WaitUntilAsync(() => !outbox.StorageFull, TimeSpan.FromSeconds(20));
            Assert.Single(logs.TextOf(UplinkLogEvents.StoreCompactionFailed));
            Assert.Single(logs.TextOf(UplinkLogEvents.StoreCompactionResumed));
            AssertOnDisk(directory, inFlight, expected);
            var fresh = Guid.CreateVersion7();
            await outbox.EnqueueAsync(new OutboxMessage(OutboxClass.Alarm, Payload(Records, PayloadBytes), fresh));
            Assert.Equal(expected.Count + 1, outbox.GetStats().TotalDepth);
            await outbox.FlushAsync();

            // 5. Restart and deliver: every undelivered record and the new one arrive, no delivered one comes back.
            outbox.Dispose();
            using (var host = UplinkHost.Build(broker.Url, data))
            {
                await host.StartAsync();
                Assert.Equal(expected.Count + 1, host.Services.GetRequiredService<DurableOutbox>().GetStats().TotalDepth);
                await collector.WaitForUniqueAlertsAsync(expected.Count + 1, TimeSpan.FromSeconds(60));
                await collector.WaitForQuietAsync(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(10));
                await host.StopAsync();
            }

            var arrived = collector.AlertIds.ToHashSet();
            Assert.Equal(expected.Count + 1, arrived.Count);
            Assert.All(expected, i => Assert.Contains(alertIds[i].ToString("D"), arrived));
            Assert.Contains(fresh.ToString("D"), arrived);
            Assert.All(delivered, i => Assert.DoesNotContain(alertIds[i].ToString("D"), arrived));
        }
        finally
        {
            clock.Release();
            outbox.Dispose();
        }
    }

    [LoopMountFact]
    public async Task Killing_the_gateway_mid_drain_on_a_small_disk_delivers_every_alert_and_it_takes_new_ones_after_restart()
    {
        const int Alerts = 10_000;
        using var disk = SmallDisk.TryMount(8, out var whyNot);
        Assert.True(disk is not null, $"cannot mount an 8 MiB ext4: {whyNot}");
        await using var broker = await MosquittoBroker.StartAsync();
        await using var collector = await MqttCollector.StartAsync(broker.Url);
        var data = Path.Combine(disk!.Path, "data");
        await Drill.InjectAsync(data, Alerts);
        var config = Drill.WriteConfig(Path.Combine(disk.Path, "..", "edgegw.json"), data, broker.Url, window: 16);

        using (var first = Drill.StartEdgegw("outbox", "drain", "--config", config))
        {
            await collector.WaitForUniqueAlertsAsync(Alerts / 5, TimeSpan.FromSeconds(60));
            first.Kill(); // SIGKILL: no shutdown code runs.
            await first.WaitForExitAsync();
        }

        var atKill = collector.UniqueAlerts;
        output.WriteLine($"unique at kill -9: {atKill}");
        Assert.InRange(atKill, 1, Alerts - 1);

        // The broker tells everyone the box is gone: its Last Will.
        await collector.WaitForAsync(c => c.Messages.Any(IsOffline), TimeSpan.FromSeconds(10));
        Assert.Contains(collector.Messages, IsOffline);

        // The box comes back: it delivers the rest, and a new alarm raised now is stored and delivered too.
        Alert fresh;
        using (var restarted = UplinkHost.Build(broker.Url, data, new() { ["Uplink:Window"] = "16" }))
        {
            await restarted.StartAsync();
            fresh = await restarted.Services.GetRequiredService<IAlertSink>()
                .PublishAsync(new AlertDraft(AlertKinds.AlarmButton, AlertSeverity.Critical, AlertState.Raised));
            await collector.WaitForUniqueAlertsAsync(Alerts + 1, TimeSpan.FromSeconds(90));
            await Drill.WaitUntilAsync(() => restarted.Services.GetRequiredService<DurableOutbox>().GetStats().TotalDepth == 0, TimeSpan.FromSeconds(10));
            await restarted.StopAsync();
        }

        await collector.WaitForQuietAsync(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));
        var alerts = DecodedAlerts(collector);
        output.WriteLine($"unique {collector.UniqueAlerts}, duplicates {collector.DuplicateAlerts}");
        Assert.Equal(Alerts, alerts.Count(a => a.Kind == AlertKinds.Test));
        Assert.Contains(alerts, a => a.Id == fresh.Id);
        Assert.Equal(Alerts + 1, collector.UniqueAlerts);

        // The new alarm's sequence number was never used before the kill (the sequence is durable).
        Assert.Equal(alerts.Count, alerts.Select(a => a.Sequence).Distinct().Count());
        Assert.True(fresh.Sequence > alerts.Where(a => a.Kind == AlertKinds.Test).Max(a => a.Sequence));
    }

    /// <summary>A power cut's tails: a record cut short, or blocks the file grew into that were never written (zeros).</summary>
    [LoopMountTheory]
    [InlineData("cut")]
    [InlineData("zeros")]
    public async Task A_torn_tail_on_a_small_disk_is_cut_back_the_intact_records_are_delivered_and_new_alarms_taken(string tail)
    {
        const int Alerts = 1000;
        await using var drill = await DamagedStoreDrill.StartAsync(Alerts, segment =>
        {
            using var stream = new FileStream(segment, FileMode.Open);
            if (tail == "cut")
            {
                stream.SetLength(stream.Length - 40);
            }
            else
            {
                stream.Seek(0, SeekOrigin.End);
                stream.Write(new byte[8192]);
            }

            stream.Flush(flushToDisk: true);
        });

        var intact = tail == "cut" ? Alerts - 1 : Alerts;
        var decoded = await drill.DeliverThenRaiseANewAlarmAsync(intact);
        Assert.Equal(intact, decoded.Count(a => a.Kind == AlertKinds.Test));
        Assert.DoesNotContain(decoded, a => a.Kind == AlertKinds.OutboxQuarantined);
        Assert.False(Directory.Exists(Path.Combine(drill.Data, "outbox", "quarantine")));
        var cut = Assert.Single(drill.Logs.TextOf(UplinkLogEvents.StoreTailCut));
        output.WriteLine(cut);
        Assert.Contains(tail == "cut" ? "record cut short" : "zero-filled tail", cut, StringComparison.Ordinal);

        // The segment was cut back to its last intact record (and kept in use until delivered): nothing left to cut on the next start.
        var again = new CapturingLoggerProvider();
        using (var restarted = UplinkHost.Build(drill.Broker.Url, drill.Data, logs: again))
        {
            await restarted.StartAsync();
            Assert.Equal(0, restarted.Services.GetRequiredService<DurableOutbox>().GetStats().TotalDepth);
            await restarted.StopAsync();
        }

        Assert.Empty(again.TextOf(UplinkLogEvents.StoreTailCut));
    }

    [LoopMountFact]
    public async Task A_store_damaged_in_the_middle_on_a_small_disk_delivers_the_intact_records_quarantines_the_file_and_takes_new_alarms()
    {
        const int Alerts = 1000;
        var length = 0;
        await using var drill = await DamagedStoreDrill.StartAsync(Alerts, segment =>
        {
            var bytes = File.ReadAllBytes(segment);
            bytes[bytes.Length / 2] ^= 0xFF;
            File.WriteAllBytes(segment, bytes);
            length = bytes.Length;
        });

        var decoded = await drill.DeliverThenRaiseANewAlarmAsync(Alerts); // 999 intact and the quarantine report
        Assert.Equal(Alerts - 1, decoded.Count(a => a.Kind == AlertKinds.Test));
        var quarantined = Assert.Single(decoded, a => a.Kind == AlertKinds.OutboxQuarantined);
        Assert.Equal((Alerts - 1).ToString(System.Globalization.CultureInfo.InvariantCulture), quarantined.Attributes["intact_records"]);
        var moved = Assert.Single(Directory.GetFiles(Path.Combine(drill.Data, "outbox", "quarantine")));
        Assert.Equal(length, new FileInfo(moved).Length);
        Assert.Contains(drill.Logs.TextOf(EdgeGateway.Core.CoreLogEvents.OutboxQuarantined), line => line.Contains("corrupt record", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_message_the_broker_refuses_is_dead_lettered_at_the_first_refusal_and_never_blocks_the_ones_behind_it()
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

        // The notice may reach the broker a moment before the loop marks it reported, and Mosquitto drops the
        // link after refusing an oversized message, so a few records behind it may still be on their second send.
        await Drill.WaitUntilAsync(() => outbox.GetStats() is { UnreportedDeadLetters: 0, TotalDepth: 0 }, TimeSpan.FromSeconds(10));
        var stats = outbox.GetStats();
        await host.StopAsync();
        host.Dispose();

        var notice = AlertCbor.Decode(collector.Messages.First(IsDeadLetterNotice).Payload).Alert!;
        output.WriteLine(notice.Attributes["reason"]);
        Assert.Contains("PacketTooLarge", notice.Attributes["reason"]);
        Assert.Equal(poisonId.ToString("D"), notice.Attributes["alert_id"]);
        Assert.All(published, alert => Assert.Contains(alert.Id.ToString("D"), collector.AlertIds));
        Assert.Equal(1, stats.DeadLetters);
        Assert.Equal(0, stats.UnreportedDeadLetters);
        Assert.Equal(0, stats.TotalDepth);
        Assert.Single(Directory.GetFiles(data.File("outbox", "dead-letters"), "*.letter"));

        // Refused once, parked at once: it was sent a single time (held aside at most once), and the broker was never taken to refuse everything.
        Assert.InRange(logs.TextOf(EdgeGateway.Core.CoreLogEvents.ForwarderRefused).Count(), 0, 1);
        Assert.Empty(logs.TextOf(EdgeGateway.Core.CoreLogEvents.ForwarderRefusedEverything));

        // It survives a restart as a dead letter, not in the queue.
        using var reopened = UplinkHost.Build(broker.Url, data.Path);
        var again = reopened.Services.GetRequiredService<DurableOutbox>();
        Assert.Equal(0, again.GetStats().TotalDepth);
        Assert.Equal(1, again.GetStats().DeadLetters);
    }

    [Fact]
    public async Task A_dead_letter_notice_that_could_not_be_queued_is_sent_after_the_broker_comes_back()
    {
        var (broker, collector) = await StartRefusingBrokerAsync();
        await using var _ = broker;
        await using var __ = collector;
        using var data = new TempDirectory();
        var logs = new CapturingLoggerProvider();
        var failing = new FailingNotices();
        using var host = UplinkHost.Build(broker.Url, data.Path, logs: logs, services: failing.Register);
        await host.StartAsync();
        var outbox = host.Services.GetRequiredService<DurableOutbox>();
        var poisonId = await EnqueuePoisonAndAlarmsAsync(host);

        // The poison is parked, but its notice cannot be queued (as on a full disk); the failure is logged just after
        // the refusal, so the wait covers the log line too.
        static bool Said(CapturingLoggerProvider logs) =>
            logs.TextOf(EdgeGateway.Core.CoreLogEvents.ForwarderDeadLetterFailed).Any(l => l.Contains("outbox storage is full", StringComparison.Ordinal));
        await Drill.WaitUntilAsync(() => failing.Failed >= 1 && outbox.GetStats().DeadLetters == 1 && Said(logs), TimeSpan.FromSeconds(30));
        await collector.WaitForUniqueAlertsAsync(20, TimeSpan.FromSeconds(30));
        Assert.Equal(1, outbox.GetStats().UnreportedDeadLetters);
        Assert.True(Said(logs));

        // The broker goes; room returns while it is away; it comes back: the notice is queued and delivered.
        await broker.StopGracefullyAsync();
        failing.Fail = false;
        Assert.DoesNotContain(collector.Messages, IsDeadLetterNotice);
        await broker.StartAsync();
        await collector.WaitForAsync(c => c.Messages.Any(IsDeadLetterNotice), TimeSpan.FromSeconds(30));
        var notice = AlertCbor.Decode(collector.Messages.First(IsDeadLetterNotice).Payload).Alert!;
        Assert.Equal(poisonId.ToString("D"), notice.Attributes["alert_id"]);
        await Drill.WaitUntilAsync(() => outbox.GetStats().UnreportedDeadLetters == 0, TimeSpan.FromSeconds(10));
        await host.StopAsync();
        Assert.Single(collector.Messages.Where(IsDeadLetterNotice).Select(m => AlertCbor.Decode(m.Payload).Alert!.Id).Distinct());
    }

    [Fact]
    public async Task A_dead_letter_notice_that_could_not_be_queued_is_on_disk_and_sent_after_a_restart()
    {
        var (broker, collector) = await StartRefusingBrokerAsync();
        await using var _ = broker;
        await using var __ = collector;
        using var data = new TempDirectory();
        Guid poisonId;
        var failing = new FailingNotices();
        using (var host = UplinkHost.Build(broker.Url, data.Path, services: failing.Register))
        {
            await host.StartAsync();
            poisonId = await EnqueuePoisonAndAlarmsAsync(host);
            var outbox = host.Services.GetRequiredService<DurableOutbox>();
            await Drill.WaitUntilAsync(() => failing.Failed >= 1 && outbox.GetStats().DeadLetters == 1, TimeSpan.FromSeconds(30));

            // What a crash now would leave: the letter, and its report in counters.json on disk (synced by the
            // store's writer before it removes the record; a crash before that leaves the record queued with
            // its letter, and the next start finishes the move).
            await Drill.WaitUntilAsync(() => FileOutboxStore.Inspect(data.File("outbox")).Counters.UnreportedDeadLetters.Count == 1, TimeSpan.FromSeconds(10));
            var onDisk = FileOutboxStore.Inspect(data.File("outbox"));
            Assert.Equal(poisonId, Assert.Single(onDisk.Counters.UnreportedDeadLetters).AlertId);
            Assert.Equal(poisonId, Assert.Single(onDisk.DeadLetters).Entry.AlertId);
            await host.StopAsync();
        }

        await collector.WaitForUniqueAlertsAsync(20, TimeSpan.FromSeconds(10));
        Assert.DoesNotContain(collector.Messages, IsDeadLetterNotice);

        // The box restarts (its notices queue again): the notice is sent once, and no longer owed.
        using (var restarted = UplinkHost.Build(broker.Url, data.Path))
        {
            await restarted.StartAsync();
            await collector.WaitForAsync(c => c.Messages.Any(IsDeadLetterNotice), TimeSpan.FromSeconds(30));
            var outbox = restarted.Services.GetRequiredService<DurableOutbox>();
            await Drill.WaitUntilAsync(() => outbox.GetStats().TotalDepth == 0 && outbox.GetStats().UnreportedDeadLetters == 0, TimeSpan.FromSeconds(10));
            await restarted.StopAsync();
        }

        var notice = AlertCbor.Decode(collector.Messages.First(IsDeadLetterNotice).Payload).Alert!;
        Assert.Equal(poisonId.ToString("D"), notice.Attributes["alert_id"]);
        Assert.Contains("PacketTooLarge", notice.Attributes["reason"]);
        Assert.Empty(FileOutboxStore.Inspect(data.File("outbox")).Counters.UnreportedDeadLetters);
    }

    /// <summary>A 4 MiB ext4 whose outbox holds N test alerts in one segment, damaged by the test as a power cut or a bad card would.</summary>
    private sealed class DamagedStoreDrill : IAsyncDisposable
    {
        private readonly SmallDisk _disk;

        private DamagedStoreDrill(SmallDisk disk, MosquittoBroker broker, MqttCollector collector)
        {
            _disk = disk;
            Broker = broker;
            Collector = collector;
        }

        public MosquittoBroker Broker { get; }

        public MqttCollector Collector { get; }

        public string Data => Path.Combine(_disk.Path, "data");

        public CapturingLoggerProvider Logs { get; } = new();

        public static async Task<DamagedStoreDrill> StartAsync(int alerts, Action<string> damage)
        {
            var disk = SmallDisk.TryMount(4, out var whyNot);
            Assert.True(disk is not null, $"cannot mount a 4 MiB ext4: {whyNot}");
            var broker = await MosquittoBroker.StartAsync();
            var drill = new DamagedStoreDrill(disk!, broker, await MqttCollector.StartAsync(broker.Url));
            await Drill.InjectAsync(drill.Data, alerts);
            damage(Directory.GetFiles(Path.Combine(drill.Data, "outbox"), "seg-*.log").Single(f => new FileInfo(f).Length > 0));
            return drill;
        }

        /// <summary>Starts the box on the damaged store, waits for <paramref name="expected"/> alerts, raises a new alarm and waits for it; returns every alert received.</summary>
        public async Task<List<Alert>> DeliverThenRaiseANewAlarmAsync(int expected)
        {
            using var host = UplinkHost.Build(Broker.Url, Data, logs: Logs);
            await host.StartAsync();
            await Collector.WaitForUniqueAlertsAsync(expected, TimeSpan.FromSeconds(30));
            var afterwards = await host.Services.GetRequiredService<IAlertSink>()
                .PublishAsync(new AlertDraft(AlertKinds.AlarmButton, AlertSeverity.Critical, AlertState.Raised));
            await Collector.WaitForUniqueAlertsAsync(expected + 1, TimeSpan.FromSeconds(10));
            await host.StopAsync();
            var decoded = DecodedAlerts(Collector);
            Assert.Contains(decoded, a => a.Id == afterwards.Id);
            return decoded;
        }

        public async ValueTask DisposeAsync()
        {
            await Collector.DisposeAsync();
            await Broker.DisposeAsync();
            _disk.Dispose();
        }
    }

    private static async Task<(MosquittoBroker Broker, MqttCollector Collector)> StartRefusingBrokerAsync()
    {
        // Persistence and a persistent subscriber session, so nothing published while the subscriber reconnects is lost.
        var broker = await MosquittoBroker.StartAsync("message_size_limit 1000", persistence: true);
        var collector = await MqttCollector.StartAsync(broker.Url);
        return (broker, collector);
    }

    /// <summary>A 4000-byte alarm the broker refuses (message_size_limit 1000), then 20 it takes; returns the poison's alert id.</summary>
    private static async Task<Guid> EnqueuePoisonAndAlarmsAsync(IHost host)
    {
        var poisonId = Guid.CreateVersion7();
        await host.Services.GetRequiredService<DurableOutbox>().EnqueueAsync(new OutboxMessage(OutboxClass.Alarm, new byte[4000], poisonId));
        var sink = host.Services.GetRequiredService<IAlertSink>();
        for (var i = 0; i < 20; i++)
        {
            await sink.PublishAsync(new AlertDraft(AlertKinds.Trapped, AlertSeverity.Critical, AlertState.Raised));
        }

        return poisonId;
    }

    private static byte[] Payload(int n, int size)
    {
        var payload = new byte[size];
        BinaryPrimitives.WriteInt32LittleEndian(payload, n);
        return payload;
    }

    private static SortedDictionary<string, long> SegmentLengths(string directory) =>
        new(Directory.GetFiles(directory, "seg-*.log").ToDictionary(f => Path.GetFileName(f), f => new FileInfo(f).Length), StringComparer.Ordinal);

    /// <summary>Reads the store from disk as a new process would: exactly <paramref name="expected"/> are there, undamaged.</summary>
    private static void AssertOnDisk(string directory, List<OutboxEntry> entries, List<int> expected)
    {
        var inspection = FileOutboxStore.Inspect(directory);
        Assert.Empty(inspection.DamagedFiles);
        Assert.Equal(expected.Select(i => entries[i].Id), inspection.Pending.Select(e => e.Id));
    }

    private static List<Alert> DecodedAlerts(MqttCollector collector) =>
        [.. collector.Messages.Where(m => m.Topic.EndsWith("/alert", StringComparison.Ordinal))
            .Select(m => AlertCbor.Decode(m.Payload).Alert!).DistinctBy(a => a.Id)];

    private static bool IsOffline(MqttCollector.Received message) =>
        message.Topic == $"edge/{UplinkHost.Site}/{UplinkHost.Device}/state" && message.Text == "offline";

    private static bool IsDeadLetterNotice(MqttCollector.Received message) =>
        message.Topic.EndsWith("/alert", StringComparison.Ordinal)
        && AlertCbor.Decode(message.Payload).Alert?.Kind == AlertKinds.OutboxDeadLetter;

    /// <summary>
    /// The real publisher, except that its <c>outbox_dead_letter</c> notices fail as on a full disk
    /// (the outbox refused them) while <see cref="Fail"/> is set, so the send loop must keep them and
    /// try again.
    /// </summary>
    private sealed class FailingNotices
    {
        private int _failed;

        public bool Fail { get; set; } = true;

        public int Failed => Volatile.Read(ref _failed);

        public void Register(IServiceCollection services) =>
            services.AddSingleton<IAlertSink>(sp => new Sink(this, sp.GetRequiredService<AlertPublisher>()));

        private sealed class Sink(FailingNotices owner, AlertPublisher publisher) : IAlertSink
        {
            public ValueTask<Alert> PublishAsync(AlertDraft draft, CancellationToken cancellationToken = default)
            {
                if (draft.Kind == AlertKinds.OutboxDeadLetter && owner.Fail)
                {
                    Interlocked.Increment(ref owner._failed);
                    throw new OutboxStorageFullException("outbox storage is full: the notice was not stored");
                }

                return publisher.PublishAsync(draft, cancellationToken);
            }
        }
    }

    /// <summary>The system clock, whose timestamps can be held still (the store then keeps its last look at the free space).</summary>
    private sealed class HeldClock : TimeProvider
    {
        private long? _held;

        public void Hold() => _held = TimeProvider.System.GetTimestamp();

        public void Release() => _held = null;

        public override long GetTimestamp() => _held ?? TimeProvider.System.GetTimestamp();
    }
}
