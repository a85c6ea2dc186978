using EdgeGateway.Core.Outbox;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace EdgeGateway.Uplink.Tests;

[Trait("Category", "Unit")]
public sealed class DurableOutboxTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-11-28T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private readonly MemoryOutboxStore _store = new();

    private Task<DurableOutbox> CreateAsync(OutboxPolicy? policy = null) =>
        DurableOutbox.OpenAsync(_store, policy ?? new OutboxPolicy(), _time, NullLogger<DurableOutbox>.Instance);

    private static OutboxMessage Message(OutboxClass messageClass, byte tag, int size = 36) =>
        new(messageClass, Enumerable.Repeat(tag, size).ToArray());

    [Fact]
    public async Task Takes_the_highest_class_first_and_the_oldest_first_within_a_class()
    {
        using var outbox = await CreateAsync();
        await outbox.EnqueueAsync(Message(OutboxClass.Telemetry, 1));
        await outbox.EnqueueAsync(Message(OutboxClass.Snapshot, 2));
        await outbox.EnqueueAsync(Message(OutboxClass.Status, 3));
        await outbox.EnqueueAsync(Message(OutboxClass.Alarm, 4));
        await outbox.EnqueueAsync(Message(OutboxClass.Alarm, 5));

        var order = new List<byte>();
        for (var i = 0; i < 5; i++)
        {
            var entry = await outbox.TakeAsync(CancellationToken.None);
            order.Add(outbox.ReadPayload(entry)!.Value.Span[0]);
        }

        Assert.Equal([4, 5, 3, 2, 1], order);
    }

    [Fact]
    public async Task A_returned_record_goes_back_in_its_place_and_an_acknowledged_one_leaves()
    {
        using var outbox = await CreateAsync();
        await outbox.EnqueueAsync(Message(OutboxClass.Alarm, 1));
        await outbox.EnqueueAsync(Message(OutboxClass.Alarm, 2));
        var first = await outbox.TakeAsync(CancellationToken.None);
        var second = await outbox.TakeAsync(CancellationToken.None);
        outbox.Requeue(second);
        outbox.Requeue(first);

        Assert.Same(first, await outbox.TakeAsync(CancellationToken.None));
        outbox.Acknowledge(first);
        Assert.Equal(1, outbox.GetStats().Depth[OutboxClass.Alarm]);
        Assert.Contains((first.Id, OutboxRemoval.Delivered), _store.Removed);
        Assert.Same(second, await outbox.TakeAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_full_budget_evicts_the_oldest_of_the_lowest_class_and_alarms_only_when_nothing_else_is_left()
    {
        // Room for exactly 8 records of 36 + 64 bytes.
        using var outbox = await CreateAsync(new OutboxPolicy { BudgetBytes = 8 * 100 });
        for (byte i = 0; i < 2; i++)
        {
            await outbox.EnqueueAsync(Message(OutboxClass.Alarm, (byte)(10 + i)));
            await outbox.EnqueueAsync(Message(OutboxClass.Status, (byte)(20 + i)));
            await outbox.EnqueueAsync(Message(OutboxClass.Snapshot, (byte)(30 + i)));
            await outbox.EnqueueAsync(Message(OutboxClass.Telemetry, (byte)(40 + i)));
        }

        // Each new alarm evicts: telemetry 40, 41, then snapshot 30, 31, then status 20, 21, then alarm 10 (the oldest).
        for (byte i = 0; i < 7; i++)
        {
            await outbox.EnqueueAsync(Message(OutboxClass.Alarm, (byte)(50 + i)));
        }

        var stats = outbox.GetStats();
        Assert.Equal(2, stats.Evictions[OutboxClass.Telemetry]);
        Assert.Equal(2, stats.Evictions[OutboxClass.Snapshot]);
        Assert.Equal(2, stats.Evictions[OutboxClass.Status]);
        Assert.Equal(1, stats.Evictions[OutboxClass.Alarm]);
        Assert.Equal(8, stats.Depth[OutboxClass.Alarm]);
        Assert.True(stats.QueuedBytes <= stats.BudgetBytes);

        var kept = new List<byte>();
        for (var i = 0; i < 8; i++)
        {
            kept.Add(outbox.ReadPayload(await outbox.TakeAsync(CancellationToken.None))!.Value.Span[0]);
        }

        Assert.Equal([11, 50, 51, 52, 53, 54, 55, 56], kept);
        Assert.Equal([1, 2, 2, 2], outbox.PeekUnreportedEvictions()!);
    }

    [Fact]
    public async Task A_lower_class_never_evicts_a_higher_one_it_is_dropped_and_counted_instead()
    {
        using var outbox = await CreateAsync(new OutboxPolicy { BudgetBytes = 2 * 100 });
        await outbox.EnqueueAsync(Message(OutboxClass.Alarm, 1));
        await outbox.EnqueueAsync(Message(OutboxClass.Status, 2));
        await outbox.EnqueueAsync(Message(OutboxClass.Telemetry, 3));

        var stats = outbox.GetStats();
        Assert.Equal(1, stats.Evictions[OutboxClass.Telemetry]);
        Assert.Equal(1, stats.Depth[OutboxClass.Alarm]);
        Assert.Equal(1, stats.Depth[OutboxClass.Status]);
        Assert.Equal(0, stats.Depth[OutboxClass.Telemetry]);
        Assert.Equal(1, outbox.PeekUnreportedEvictions()![(int)OutboxClass.Telemetry]);
    }

    [Fact]
    public async Task Reported_evictions_are_no_longer_unreported_but_still_counted()
    {
        using var outbox = await CreateAsync(new OutboxPolicy { BudgetBytes = 100 });
        await outbox.EnqueueAsync(Message(OutboxClass.Telemetry, 1));
        await outbox.EnqueueAsync(Message(OutboxClass.Telemetry, 2));
        var counts = outbox.PeekUnreportedEvictions()!;
        Assert.Equal(1, counts[(int)OutboxClass.Telemetry]);

        outbox.MarkEvictionsReported(counts);

        Assert.Null(outbox.PeekUnreportedEvictions());
        Assert.Equal(1, outbox.GetStats().TotalEvictions);
        Assert.Equal(1, _store.SavedCounters!.Evictions[(int)OutboxClass.Telemetry]);
        Assert.Equal(0, _store.SavedCounters.UnreportedEvictions[(int)OutboxClass.Telemetry]);
    }

    [Fact]
    public async Task Records_past_their_class_time_to_live_are_dropped_not_sent()
    {
        using var outbox = await CreateAsync(new OutboxPolicy { TelemetryTtl = TimeSpan.FromMinutes(5), AlarmTtl = TimeSpan.FromDays(1) });
        await outbox.EnqueueAsync(Message(OutboxClass.Telemetry, 1));
        await outbox.EnqueueAsync(Message(OutboxClass.Alarm, 2));
        _time.Advance(TimeSpan.FromMinutes(6));
        await outbox.EnqueueAsync(Message(OutboxClass.Telemetry, 3));

        var alarm = await outbox.TakeAsync(CancellationToken.None);
        var telemetry = await outbox.TakeAsync(CancellationToken.None);

        Assert.Equal(2, outbox.ReadPayload(alarm)!.Value.Span[0]);
        Assert.Equal(3, outbox.ReadPayload(telemetry)!.Value.Span[0]);
        Assert.Equal(1, outbox.GetStats().Expired);
        Assert.Contains(_store.Removed, r => r.Reason == OutboxRemoval.Expired);
    }

    [Fact]
    public async Task Take_waits_for_the_next_enqueue()
    {
        using var outbox = await CreateAsync();
        var take = outbox.TakeAsync(CancellationToken.None).AsTask();
        Assert.False(take.IsCompleted, "a take on an empty outbox returned at once");

        await outbox.EnqueueAsync(Message(OutboxClass.Status, 9));

        var entry = await take.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(OutboxClass.Status, entry.Class);
        Assert.Equal(9, outbox.ReadPayload(entry)!.Value.Span[0]);

        // Empty again: the next take waits until it is given up, and then yields nothing.
        using var giveUp = new CancellationTokenSource();
        var next = outbox.TakeAsync(giveUp.Token).AsTask();
        Assert.False(next.IsCompleted, "a take on an emptied outbox returned at once");
        await giveUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => next.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task An_oversized_message_is_refused_with_the_limit_named()
    {
        using var outbox = await CreateAsync(new OutboxPolicy { MaxMessageBytes = 10 });
        var error = await Assert.ThrowsAsync<ArgumentException>(async () => await outbox.EnqueueAsync(Message(OutboxClass.Alarm, 1, 11)));
        Assert.Contains("Outbox:MaxMessageBytes", error.Message);
    }

    [Fact]
    public async Task On_a_full_disk_an_alarm_evicts_lower_classes_then_is_refused_with_one_clear_line_and_never_evicts_alarms()
    {
        var store = new MemoryOutboxStore { CapacityBytes = 10 * (64 + 100) };
        using var outbox = await DurableOutbox.OpenAsync(store, new OutboxPolicy(), TimeProvider.System, NullLogger<DurableOutbox>.Instance);
        for (var i = 0; i < 4; i++)
        {
            await outbox.EnqueueAsync(new OutboxMessage(OutboxClass.Telemetry, new byte[100]));
        }

        for (var i = 0; i < 10; i++)
        {
            await outbox.EnqueueAsync(new OutboxMessage(OutboxClass.Alarm, new byte[100]));
        }

        Assert.Equal(0, outbox.GetStats().Depth[OutboxClass.Telemetry]);
        Assert.Equal(4, outbox.GetStats().Evictions[OutboxClass.Telemetry]);
        var refused = await Assert.ThrowsAsync<OutboxStorageFullException>(() => outbox.EnqueueAsync(new OutboxMessage(OutboxClass.Alarm, new byte[100])).AsTask());
        Assert.DoesNotContain('\n', refused.Message);
        Assert.Contains("outbox storage is full", refused.Message);
        Assert.Equal(10, outbox.GetStats().Depth[OutboxClass.Alarm]);
        Assert.Equal(0, outbox.GetStats().Evictions[OutboxClass.Alarm]);
        Assert.True(outbox.StorageFull);
        Assert.True(outbox.GetStats().StorageFull);

        // The uplink drains: the condition clears and alarms are taken again, without a restart.
        for (var i = 0; i < 5; i++)
        {
            outbox.Acknowledge(await outbox.TakeAsync(CancellationToken.None));
        }

        Assert.False(outbox.StorageFull);
        await outbox.EnqueueAsync(new OutboxMessage(OutboxClass.Alarm, new byte[100]));
        Assert.Equal(6, outbox.GetStats().Depth[OutboxClass.Alarm]);
    }

    [Fact]
    public async Task A_disk_with_under_4_KiB_left_for_records_is_storage_full_before_any_alarm_is_refused_and_clears_at_90_percent()
    {
        var store = new MemoryOutboxStore { CapacityBytes = 100 * (64 + 1000) };
        using var outbox = await DurableOutbox.OpenAsync(store, new OutboxPolicy(), TimeProvider.System, NullLogger<DurableOutbox>.Instance);
        for (var i = 0; i < 96; i++)
        {
            await outbox.EnqueueAsync(new OutboxMessage(OutboxClass.Alarm, new byte[1000]));
        }

        Assert.False(outbox.StorageFull); // 4 records' room left
        await outbox.EnqueueAsync(new OutboxMessage(OutboxClass.Alarm, new byte[1000]));
        Assert.True(outbox.StorageFull); // under 4 KiB left, nothing refused yet
        Assert.True(outbox.GetStats().StorageFull);

        // Delivered down to 91 %: still full (no flapping); at 90 % it clears.
        for (var i = 0; i < 6; i++)
        {
            outbox.Acknowledge(await outbox.TakeAsync(CancellationToken.None));
        }

        Assert.True(outbox.StorageFull);
        outbox.Acknowledge(await outbox.TakeAsync(CancellationToken.None));
        Assert.False(outbox.StorageFull);
    }

    [Fact]
    public async Task The_budget_follows_the_disk_as_it_changes()
    {
        var store = new MemoryOutboxStore { CapacityBytes = 3 * (64 + 100) };
        using var outbox = await DurableOutbox.OpenAsync(store, new OutboxPolicy(), TimeProvider.System, NullLogger<DurableOutbox>.Instance);
        for (var i = 0; i < 3; i++)
        {
            await outbox.EnqueueAsync(new OutboxMessage(OutboxClass.Alarm, new byte[100]));
        }

        await Assert.ThrowsAsync<OutboxStorageFullException>(() => outbox.EnqueueAsync(new OutboxMessage(OutboxClass.Alarm, new byte[100])).AsTask());
        store.CapacityBytes = 20 * (64 + 100); // someone freed space
        await outbox.EnqueueAsync(new OutboxMessage(OutboxClass.Alarm, new byte[100]));
        Assert.Equal(4, outbox.GetStats().TotalDepth);
    }
}
