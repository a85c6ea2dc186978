using EdgeGateway.Core.Outbox;
using EdgeGateway.Testing;
using EdgeGateway.Uplink.Segments;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeGateway.Uplink.Tests;

[Trait("Category", "Unit")]
public sealed class FileOutboxStoreTests : IDisposable
{
    private readonly TempDirectory _data = new();

    private string StoreDirectory => _data.File("outbox");

    public void Dispose() => _data.Dispose();

    private Task<DurableOutbox> OpenAsync(long segmentBytes = 16L * 1024 * 1024) =>
        DurableOutbox.OpenAsync(
            new FileOutboxStore(new FileOutboxStoreOptions(StoreDirectory, segmentBytes), TimeProvider.System, NullLogger<FileOutboxStore>.Instance),
            new OutboxPolicy(),
            TimeProvider.System,
            NullLogger<DurableOutbox>.Instance);

    private static OutboxMessage Numbered(int n, OutboxClass messageClass = OutboxClass.Alarm) =>
        new(messageClass, BitConverter.GetBytes(n).Concat(new byte[60]).ToArray(), Guid.CreateVersion7());

    private static async Task<List<int>> DrainAsync(DurableOutbox outbox, bool acknowledge = true)
    {
        var numbers = new List<int>();
        while (outbox.GetStats().TotalDepth > numbers.Count || (acknowledge && outbox.GetStats().TotalDepth > 0))
        {
            var entry = await outbox.TakeAsync(CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(5));
            numbers.Add(BitConverter.ToInt32(outbox.ReadPayload(entry)!.Value.Span));
            if (acknowledge)
            {
                outbox.Acknowledge(entry);
            }
        }

        return numbers;
    }

    [Fact]
    public async Task Enqueued_records_survive_a_restart_and_acknowledged_ones_do_not_come_back()
    {
        var acknowledged = new List<int>();
        using (var outbox = await OpenAsync())
        {
            await Task.WhenAll(Enumerable.Range(0, 100).Select(i => outbox.EnqueueAsync(Numbered(i)).AsTask()));
            for (var i = 0; i < 40; i++)
            {
                var entry = await outbox.TakeAsync(CancellationToken.None);
                acknowledged.Add(BitConverter.ToInt32(outbox.ReadPayload(entry)!.Value.Span));
                outbox.Acknowledge(entry);
            }

            await outbox.FlushAsync();
        }

        using (var reopened = await OpenAsync())
        {
            Assert.Equal(60, reopened.GetStats().Depth[OutboxClass.Alarm]);
            await reopened.EnqueueAsync(Numbered(1000));
            var numbers = await DrainAsync(reopened);

            // Exactly the 60 that were not acknowledged come back, then the new one; none of the 40.
            Assert.Equal(40, acknowledged.Distinct().Count());
            Assert.Equal(Enumerable.Range(0, 100).Except(acknowledged).Order(), numbers.Take(60).Order());
            Assert.Empty(numbers.Intersect(acknowledged));
            Assert.Equal(1000, numbers[^1]);
            Assert.Equal(61, numbers.Count);
        }
    }

    [Fact]
    public async Task A_tail_cut_mid_record_is_cut_back_to_the_last_intact_record_and_the_segment_stays_in_use()
    {
        using (var outbox = await OpenAsync())
        {
            for (var i = 0; i < 50; i++)
            {
                await outbox.EnqueueAsync(Numbered(i));
            }
        }

        var segment = Directory.GetFiles(StoreDirectory, "seg-*.log").Select(f => new FileInfo(f)).Single(f => f.Length > 0);
        var recordLength = segment.Length / 50;
        using (var stream = new FileStream(segment.FullName, FileMode.Open))
        {
            stream.SetLength(segment.Length - 30);
        }

        using var reopened = await OpenAsync();
        Assert.Empty(reopened.PeekUnreportedQuarantines());
        Assert.False(Directory.Exists(Path.Combine(StoreDirectory, "quarantine")));
        Assert.True(File.Exists(segment.FullName));
        Assert.Equal(49 * recordLength, new FileInfo(segment.FullName).Length);
        Assert.Equal(Enumerable.Range(0, 49), await DrainAsync(reopened));
    }

    [Fact]
    public async Task A_zero_filled_tail_after_a_power_cut_is_cut_back_and_every_record_before_it_kept()
    {
        using (var outbox = await OpenAsync())
        {
            for (var i = 0; i < 30; i++)
            {
                await outbox.EnqueueAsync(Numbered(i));
            }
        }

        // What ext4 can leave after a power cut: the file grew, its last blocks never got their data.
        var segment = Directory.GetFiles(StoreDirectory, "seg-*.log").Select(f => new FileInfo(f)).Single(f => f.Length > 0);
        var intact = segment.Length;
        using (var stream = new FileStream(segment.FullName, FileMode.Append))
        {
            stream.Write(new byte[8192]);
        }

        using (var reopened = await OpenAsync())
        {
            Assert.Empty(reopened.PeekUnreportedQuarantines());
            Assert.Equal(intact, new FileInfo(segment.FullName).Length);
            await reopened.EnqueueAsync(Numbered(30));
            await reopened.FlushAsync();
        }

        using var third = await OpenAsync();
        Assert.Equal(Enumerable.Range(0, 31), await DrainAsync(third));
    }

    [Fact]
    public async Task A_corrupt_record_in_the_middle_loses_only_that_record()
    {
        using (var outbox = await OpenAsync())
        {
            for (var i = 0; i < 20; i++)
            {
                await outbox.EnqueueAsync(Numbered(i));
            }
        }

        var segment = Directory.GetFiles(StoreDirectory, "seg-*.log").Single(f => new FileInfo(f).Length > 0);
        var bytes = await File.ReadAllBytesAsync(segment);
        bytes[(bytes.Length / 2) + 3] ^= 0xFF;
        await File.WriteAllBytesAsync(segment, bytes);

        using var reopened = await OpenAsync();
        var numbers = await DrainAsync(reopened);
        Assert.Equal(19, numbers.Count);
        Assert.Contains("corrupt record", Assert.Single(reopened.PeekUnreportedQuarantines()).Reason);
        Assert.Single(Directory.GetFiles(Path.Combine(StoreDirectory, "quarantine")));
    }

    [Fact]
    public async Task The_quarantine_report_survives_a_restart_until_it_is_reported()
    {
        using (var outbox = await OpenAsync())
        {
            for (var i = 0; i < 3; i++)
            {
                await outbox.EnqueueAsync(Numbered(i));
            }
        }

        FlipAByteInTheMiddle();
        using (var first = await OpenAsync())
        {
            Assert.Single(first.PeekUnreportedQuarantines());
            await first.FlushAsync();
        }

        using (var second = await OpenAsync())
        {
            var report = Assert.Single(second.PeekUnreportedQuarantines());
            second.MarkQuarantineReported(report);
            await second.FlushAsync();
        }

        using var third = await OpenAsync();
        Assert.Empty(third.PeekUnreportedQuarantines());
        Assert.Equal(2, third.GetStats().TotalDepth);
    }

    [Fact]
    public async Task Records_after_damage_in_the_middle_are_offered_again_and_removed_ones_stay_removed()
    {
        using (var outbox = await OpenAsync(segmentBytes: 2048))
        {
            for (var i = 0; i < 60; i++)
            {
                await outbox.EnqueueAsync(Numbered(i));
            }

            // Deliver the first ten: their removal records live in later segments than their appends.
            for (var i = 0; i < 10; i++)
            {
                outbox.Acknowledge(await outbox.TakeAsync(CancellationToken.None));
            }

            await outbox.FlushAsync();
        }

        // Damage the middle of a later segment, one that holds removal records.
        var segments = Directory.GetFiles(StoreDirectory, "seg-*.log").Order(StringComparer.Ordinal).Where(f => new FileInfo(f).Length > 0).ToList();
        var victim = segments[^1];
        var bytes = await File.ReadAllBytesAsync(victim);
        bytes[(bytes.Length / 2) + 3] ^= 0xFF;
        await File.WriteAllBytesAsync(victim, bytes);

        using (var reopened = await OpenAsync(segmentBytes: 2048))
        {
            Assert.Single(reopened.PeekUnreportedQuarantines());
        }

        // A second open must not bring the delivered ones back.
        using var again = await OpenAsync(segmentBytes: 2048);
        var numbers = await DrainAsync(again);
        Assert.DoesNotContain(numbers, n => n < 10);
        Assert.InRange(numbers.Count, 48, 50);
    }

    [Fact]
    public async Task The_quarantine_folder_is_capped_and_counted_on_disk()
    {
        // A quarantined segment's size depends on how the writer batched it, so every record is flushed on its own
        // (the same batches each round) and the cap is set from the first one: room for two such segments, not four.
        var cap = long.MaxValue;
        for (var round = 0; round < 4; round++)
        {
            using (var outbox = await OpenWithAsync(new FileOutboxStoreOptions(StoreDirectory, QuarantineBytes: cap)))
            {
                if (round == 1)
                {
                    cap = QuarantineFiles().Single().Length * 5 / 2;
                }

                await DrainAsync(outbox);
                for (var i = 0; i < 20; i++)
                {
                    await outbox.EnqueueAsync(Numbered(i));
                    await outbox.FlushAsync();
                }
            }

            FlipAByteInTheMiddle();
        }

        using var last = await OpenWithAsync(new FileOutboxStoreOptions(StoreDirectory, QuarantineBytes: cap));
        var quarantine = QuarantineFiles();
        Assert.InRange(quarantine.Sum(f => f.Length), 1, cap);
        Assert.True(quarantine.Length < 4, $"{quarantine.Length} files kept");
        Assert.True(last.GetStats().DiskBytes >= quarantine.Sum(f => f.Length));
    }

    private FileInfo[] QuarantineFiles() => new DirectoryInfo(Path.Combine(StoreDirectory, "quarantine")).GetFiles();

    private void FlipAByteInTheMiddle()
    {
        var segment = Directory.GetFiles(StoreDirectory, "seg-*.log").Where(f => new FileInfo(f).Length > 0).Order(StringComparer.Ordinal).Last();
        var bytes = File.ReadAllBytes(segment);
        bytes[(bytes.Length / 2) + 3] ^= 0xFF;
        File.WriteAllBytes(segment, bytes);
    }

    private static Task<DurableOutbox> OpenWithAsync(FileOutboxStoreOptions options) =>
        DurableOutbox.OpenAsync(
            new FileOutboxStore(options, TimeProvider.System, NullLogger<FileOutboxStore>.Instance),
            new OutboxPolicy(),
            TimeProvider.System,
            NullLogger<DurableOutbox>.Instance);

    [Fact]
    public async Task A_second_process_on_the_same_store_gets_a_clear_error()
    {
        using var outbox = await OpenAsync();
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => OpenAsync());
        Assert.Contains("in use by another edgegw process", error.Message);
    }

    [Fact]
    public async Task Fully_delivered_segments_are_deleted_and_a_long_lived_record_is_compacted_forward()
    {
        using (var outbox = await OpenAsync(segmentBytes: 4096))
        {
            await outbox.EnqueueAsync(Numbered(-1, OutboxClass.Status));
            for (var i = 0; i < 400; i++)
            {
                await outbox.EnqueueAsync(Numbered(i));
            }

            // Deliver every alarm, keep the one status record that was first in the oldest segment.
            for (var i = 0; i < 400; i++)
            {
                var entry = await outbox.TakeAsync(CancellationToken.None);
                outbox.Acknowledge(entry);
            }

            await outbox.FlushAsync();
            await outbox.EnqueueAsync(Numbered(9999));
            await outbox.FlushAsync();
            Assert.True(outbox.GetStats().DiskBytes < 3 * 4096 + 8192, $"disk bytes {outbox.GetStats().DiskBytes}");
        }

        Assert.True(Directory.GetFiles(StoreDirectory, "seg-*.log").Length <= 3);
        using var reopened = await OpenAsync(segmentBytes: 4096);
        Assert.Equal([9999, -1], await DrainAsync(reopened));
    }

    [Fact]
    public async Task A_dead_letter_report_is_on_disk_before_its_record_leaves_and_stays_until_reported_across_restarts()
    {
        Guid alertId;
        using (var outbox = await OpenAsync())
        {
            var poison = Numbered(7);
            alertId = poison.AlertId!.Value;
            await outbox.EnqueueAsync(poison);
            await outbox.EnqueueAsync(Numbered(8));
            var entry = await outbox.TakeAsync(CancellationToken.None);
            outbox.DeadLetter(entry, "refused by the broker: PayloadFormatInvalid");
            await outbox.FlushAsync();

            // The letter, then the report in counters.json (synced), and the record is no longer queued.
            var inspection = FileOutboxStore.Inspect(StoreDirectory);
            Assert.True(inspection.Counters.UnreportedDeadLetters.Count == 1, File.ReadAllText(Path.Combine(StoreDirectory, "counters.json")));
            Assert.Equal(entry.Id, Assert.Single(inspection.DeadLetters).Entry.Id);
            var report = Assert.Single(inspection.Counters.UnreportedDeadLetters);
            Assert.Equal((entry.Id, alertId, "refused by the broker: PayloadFormatInvalid"), (report.Record, report.AlertId!.Value, report.Reason));
            Assert.DoesNotContain(inspection.Pending, e => e.Id == entry.Id);
        }

        using (var reopened = await OpenAsync())
        {
            // The notice was never queued (the box stopped): the restart still owes it.
            var report = Assert.Single(reopened.PeekUnreportedDeadLetters());
            Assert.Equal(alertId, report.AlertId);
            Assert.Equal([8], await DrainAsync(reopened));
            reopened.MarkDeadLetterReported(report);
            await reopened.FlushAsync();
        }

        using var last = await OpenAsync();
        Assert.Empty(last.PeekUnreportedDeadLetters());
        Assert.Equal(1, last.GetStats().DeadLetters);
    }

    [Fact]
    public async Task A_record_parked_but_still_queued_when_the_box_stopped_is_not_sent_again_and_is_reported_after_restart()
    {
        OutboxEntry parked;
        using (var outbox = await OpenAsync())
        {
            await outbox.EnqueueAsync(Numbered(1));
            await outbox.EnqueueAsync(Numbered(2));
            await outbox.FlushAsync();
            parked = await outbox.TakeAsync(CancellationToken.None);

            // The crash came right after the letter was written: no report saved, no removal written.
            new DeadLetterBox(StoreDirectory).Park(parked, outbox.ReadPayload(parked)!.Value.Span, "refused by the broker: NotAuthorized", DateTimeOffset.UtcNow);
        }

        using (var reopened = await OpenAsync())
        {
            var report = Assert.Single(reopened.PeekUnreportedDeadLetters());
            Assert.Equal(parked.Id, report.Record);
            Assert.Equal("refused by the broker: NotAuthorized", report.Reason);
            Assert.Equal([2], await DrainAsync(reopened));
            await reopened.FlushAsync();
        }

        // The move was finished on disk: still not queued, the report still owed, the letter kept.
        using var again = await OpenAsync();
        Assert.Equal(0, again.GetStats().TotalDepth);
        Assert.Equal(parked.Id, Assert.Single(again.PeekUnreportedDeadLetters()).Record);
        Assert.Equal(1, again.GetStats().DeadLetters);
        Assert.Empty(FileOutboxStore.Inspect(StoreDirectory).Pending);
    }

    [Fact]
    public async Task Inspect_reads_depth_and_counters_without_taking_the_store()
    {
        using var outbox = await OpenAsync();
        await outbox.EnqueueAsync(Numbered(1, OutboxClass.Telemetry));
        await outbox.EnqueueAsync(Numbered(2, OutboxClass.Alarm));
        await outbox.FlushAsync();

        var inspection = FileOutboxStore.Inspect(StoreDirectory);

        Assert.Equal([OutboxClass.Telemetry, OutboxClass.Alarm], inspection.Pending.Select(e => e.Class));
        Assert.Empty(inspection.DamagedFiles);
        Assert.True(inspection.DiskBytes > 0);
    }
}
