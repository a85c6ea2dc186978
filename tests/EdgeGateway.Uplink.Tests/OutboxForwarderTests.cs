using System.Collections.Concurrent;
using EdgeGateway.Core;
using EdgeGateway.Core.Alerts;
using EdgeGateway.Core.Outbox;
using EdgeGateway.Core.Publishing;
using EdgeGateway.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeGateway.Uplink.Tests;

[Trait("Category", "Unit")]
public sealed class OutboxForwarderTests
{
    private readonly MemoryOutboxStore _store = new();

    [Fact]
    public async Task Records_the_link_lost_are_sent_again_in_order_on_the_next_connection_and_leave_only_when_confirmed()
    {
        using var outbox = await DurableOutbox.OpenAsync(_store, new OutboxPolicy(), TimeProvider.System, NullLogger<DurableOutbox>.Instance);
        for (byte i = 0; i < 6; i++)
        {
            await outbox.EnqueueAsync(new OutboxMessage(OutboxClass.Alarm, new[] { i }));
        }

        // Connection 1 confirms the first three, then loses the link.
        var transport = new ScriptedTransport((connection, tag) => connection == 1 && tag >= 3
            ? UplinkSendResult.LinkFailed(connection, "reset")
            : UplinkSendResult.Confirmed(connection));
        var forwarder = new OutboxForwarder(outbox, transport, new Sequence(outbox), TimeProvider.System, NullLogger<OutboxForwarder>.Instance, window: 1);
        using var stop = new CancellationTokenSource();
        var run = forwarder.RunAsync(stop.Token);

        await WaitForAsync(() => transport.Sent.Count(s => s.Connection == 1) >= 4);
        Assert.Equal(3, outbox.GetStats().Depth[OutboxClass.Alarm]);
        transport.Reconnect();
        await WaitForAsync(() => outbox.GetStats().TotalDepth == 0);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);

        Assert.Equal([3, 4, 5], transport.Sent.Where(s => s.Connection == 2).Select(s => (int)s.Tag));
        Assert.Equal(6, forwarder.Sent);
        Assert.Equal(6, _store.Removed.Count(r => r.Reason == OutboxRemoval.Delivered));
    }

    [Fact]
    public async Task Evictions_are_reported_upstream_as_an_alert_once_the_link_is_up()
    {
        using var outbox = await DurableOutbox.OpenAsync(_store, new OutboxPolicy { BudgetBytes = 3 * (64 + 100) }, TimeProvider.System, NullLogger<DurableOutbox>.Instance);
        for (var i = 0; i < 5; i++)
        {
            await outbox.EnqueueAsync(new OutboxMessage(OutboxClass.Telemetry, new byte[100]));
        }

        var sink = new Sequence(outbox);
        var transport = new ScriptedTransport((connection, _) => UplinkSendResult.Confirmed(connection));
        var forwarder = new OutboxForwarder(outbox, transport, sink, TimeProvider.System, NullLogger<OutboxForwarder>.Instance);
        using var stop = new CancellationTokenSource();
        var run = forwarder.RunAsync(stop.Token);

        await WaitForAsync(() => outbox.GetStats().TotalDepth == 0 && !sink.Published.IsEmpty);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);

        var report = Assert.Single(sink.Published);
        Assert.Equal(AlertKinds.OutboxEvicted, report.Kind);
        Assert.Equal("2", report.Attributes["telemetry"]);
        // The report itself needed room and pushed out one more telemetry record: that one waits for the next report.
        Assert.Equal([0, 0, 0, 1], outbox.PeekUnreportedEvictions()!);
    }

    [Fact]
    public async Task A_record_the_broker_refuses_once_while_it_takes_the_next_is_dead_lettered_without_a_second_try()
    {
        using var outbox = await DurableOutbox.OpenAsync(_store, new OutboxPolicy(), TimeProvider.System, NullLogger<DurableOutbox>.Instance);
        var poison = Guid.CreateVersion7();
        await outbox.EnqueueAsync(new OutboxMessage(OutboxClass.Alarm, new byte[] { 99 }, poison));
        for (byte i = 0; i < 5; i++)
        {
            await outbox.EnqueueAsync(new OutboxMessage(OutboxClass.Alarm, new[] { i }));
        }

        var transport = new ScriptedTransport((connection, tag) => tag == 99
            ? UplinkSendResult.Refused(connection, "PacketTooLarge")
            : UplinkSendResult.Confirmed(connection));
        var sink = new Sequence(outbox);
        var forwarder = new OutboxForwarder(outbox, transport, sink, TimeProvider.System, NullLogger<OutboxForwarder>.Instance, window: 4);
        using var stop = new CancellationTokenSource();
        var run = forwarder.RunAsync(stop.Token);

        await WaitForAsync(() => !sink.Published.IsEmpty && outbox.GetStats().TotalDepth == 0, TimeSpan.FromSeconds(20));
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);

        var (entry, reason) = Assert.Single(_store.DeadLetters);
        Assert.Equal(poison, entry.AlertId);
        Assert.Contains("PacketTooLarge", reason);
        var notice = Assert.Single(sink.Published);
        Assert.Equal(AlertKinds.OutboxDeadLetter, notice.Kind);
        Assert.Equal(poison.ToString("D"), notice.Attributes["alert_id"]);
        Assert.Contains("PacketTooLarge", notice.Attributes["reason"]);
        Assert.Equal(1, transport.Sent.Count(s => s.Tag == 99));
        Assert.Equal(5, transport.Sent.Where(s => s.Tag < 5).Select(s => s.Tag).Distinct().Count());
        Assert.Equal(1, forwarder.DeadLettered);

        // Its report was saved with the letter, and forgotten once the notice was in the outbox.
        Assert.Single(_store.DeadLetterCounters!.UnreportedDeadLetters, r => r.AlertId == poison);
        Assert.Empty(outbox.PeekUnreportedDeadLetters());
        Assert.Empty(_store.SavedCounters!.UnreportedDeadLetters);
    }

    [Fact]
    public async Task A_broker_that_refuses_everything_gets_nothing_dead_lettered_and_everything_goes_once_it_takes_them()
    {
        using var outbox = await DurableOutbox.OpenAsync(_store, new OutboxPolicy(), TimeProvider.System, NullLogger<DurableOutbox>.Instance);
        for (byte i = 0; i < 8; i++)
        {
            await outbox.EnqueueAsync(new OutboxMessage(OutboxClass.Alarm, new[] { i }));
        }

        var refusing = 1;
        var transport = new ScriptedTransport((connection, _) => Volatile.Read(ref refusing) == 1
            ? UplinkSendResult.Refused(connection, "NotAuthorized")
            : UplinkSendResult.Confirmed(connection));
        var sink = new Sequence(outbox);
        var forwarder = new OutboxForwarder(outbox, transport, sink, TimeProvider.System, NullLogger<OutboxForwarder>.Instance, window: 4);
        using var stop = new CancellationTokenSource();
        var run = forwarder.RunAsync(stop.Token);

        // An ACL mistake: every record refused, over and over (held back with backoff), none parked.
        await WaitForAsync(() => transport.Sent.Count >= 12, TimeSpan.FromSeconds(20));
        Assert.Empty(_store.DeadLetters);
        Assert.Equal(8, outbox.GetStats().TotalDepth);

        // The ACL is fixed: everything goes, still nothing parked.
        Volatile.Write(ref refusing, 0);
        await WaitForAsync(() => outbox.GetStats().TotalDepth == 0, TimeSpan.FromSeconds(40));
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);

        Assert.Empty(_store.DeadLetters);
        Assert.Empty(sink.Published);
        Assert.Equal(8, forwarder.Sent);
    }

    [Fact]
    public async Task A_record_after_which_the_link_drops_twice_is_sent_alone_the_second_time_then_dead_lettered()
    {
        using var outbox = await DurableOutbox.OpenAsync(_store, new OutboxPolicy(), TimeProvider.System, NullLogger<DurableOutbox>.Instance);
        await outbox.EnqueueAsync(new OutboxMessage(OutboxClass.Alarm, new byte[] { 77 }));
        for (byte i = 0; i < 3; i++)
        {
            await outbox.EnqueueAsync(new OutboxMessage(OutboxClass.Alarm, new[] { i }));
        }

        ScriptedTransport transport = null!;
        transport = new ScriptedTransport((connection, tag) =>
        {
            if (tag != 77)
            {
                return UplinkSendResult.Confirmed(connection);
            }

            transport.Reconnect();
            return UplinkSendResult.LinkFailed(connection, "connection reset");
        });
        var sink = new Sequence(outbox);
        var forwarder = new OutboxForwarder(outbox, transport, sink, TimeProvider.System, NullLogger<OutboxForwarder>.Instance, window: 1);
        using var stop = new CancellationTokenSource();
        var run = forwarder.RunAsync(stop.Token);

        await WaitForAsync(() => !sink.Published.IsEmpty && outbox.GetStats().TotalDepth == 0, TimeSpan.FromSeconds(20));
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);

        var (_, reason) = Assert.Single(_store.DeadLetters);
        Assert.Contains("connection dropped 2 times", reason);
        Assert.Equal(2, transport.Sent.Count(s => s.Tag == 77));
        Assert.Equal(4, forwarder.Sent); // The three others and the notice.
    }

    [Fact]
    public async Task A_link_drop_with_many_in_flight_suspects_only_the_oldest_unconfirmed_and_a_second_unrelated_drop_parks_nothing()
    {
        using var outbox = await DurableOutbox.OpenAsync(_store, new OutboxPolicy(), TimeProvider.System, NullLogger<DurableOutbox>.Instance);
        for (byte i = 0; i < 12; i++)
        {
            await outbox.EnqueueAsync(new OutboxMessage(OutboxClass.Alarm, new[] { i }));
        }

        // Connection 1 confirms 0 and 1, then holds 2..5 unanswered until the link drops under them;
        // connection 2 confirms 2 (sent alone), then holds the next ones until it drops too; connection 3 takes everything.
        var transport = new HoldingTransport(answerAtOnce: (connection, tag) => connection switch
        {
            1 => tag < 2,
            2 => tag == 2,
            _ => true,
        });
        var sink = new Sequence(outbox);
        var forwarder = new OutboxForwarder(outbox, transport, sink, TimeProvider.System, NullLogger<OutboxForwarder>.Instance, window: 4);
        using var stop = new CancellationTokenSource();
        var run = forwarder.RunAsync(stop.Token);

        await WaitForAsync(() => transport.Sent.Count(s => s.Connection == 1) == 6);
        transport.Drop(); // The held sends fail newest first, as a thread pool may deliver them.
        await WaitForAsync(() => transport.LoopWaits);
        transport.Reconnect();
        await WaitForAsync(() => transport.Sent.Count(s => s.Connection == 2) == 5);
        Assert.Equal(2, transport.Sent.First(s => s.Connection == 2).Tag);
        transport.Drop();
        await WaitForAsync(() => transport.LoopWaits);
        transport.Reconnect();
        await WaitForAsync(() => outbox.GetStats().TotalDepth == 0);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);

        // Only record 2, the oldest unconfirmed at the first drop, went alone (then four at once again);
        // it was confirmed, so nothing is parked; the second drop (record 3 oldest) parks nothing either.
        Assert.Equal(3, transport.Sent.First(s => s.Connection == 3).Tag);
        Assert.Empty(_store.DeadLetters);
        Assert.Empty(sink.Published);
        Assert.Equal(12, forwarder.Sent);
    }

    [Fact]
    public async Task A_dead_letter_notice_that_could_not_be_queued_is_kept_in_the_counters_and_sent_on_the_next_turn()
    {
        using var outbox = await DurableOutbox.OpenAsync(_store, new OutboxPolicy(), TimeProvider.System, NullLogger<DurableOutbox>.Instance);
        await outbox.EnqueueAsync(new OutboxMessage(OutboxClass.Alarm, new byte[] { 99 }, Guid.CreateVersion7()));
        await outbox.EnqueueAsync(new OutboxMessage(OutboxClass.Alarm, new byte[] { 1 }));
        var transport = new ScriptedTransport((connection, tag) => tag == 99
            ? UplinkSendResult.Refused(connection, "PayloadFormatInvalid")
            : UplinkSendResult.Confirmed(connection));
        var sink = new Sequence(outbox) { FailNext = 1 };
        var forwarder = new OutboxForwarder(outbox, transport, sink, TimeProvider.System, NullLogger<OutboxForwarder>.Instance, window: 4);
        using var stop = new CancellationTokenSource();
        var run = forwarder.RunAsync(null, TimeSpan.FromMilliseconds(200), stop.Token);

        await WaitForAsync(() => _store.DeadLetters.Count == 1 && sink.Failures == 1);
        Assert.Empty(sink.Published);
        Assert.Single(outbox.PeekUnreportedDeadLetters());
        Assert.Single(_store.SavedCounters!.UnreportedDeadLetters);

        // The next connection (or the loop's next idle turn) queues it.
        transport.Reconnect();
        await WaitForAsync(() => !sink.Published.IsEmpty && outbox.GetStats().TotalDepth == 0);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);

        Assert.Equal(AlertKinds.OutboxDeadLetter, Assert.Single(sink.Published).Kind);
        Assert.Empty(outbox.PeekUnreportedDeadLetters());
        Assert.Empty(_store.SavedCounters!.UnreportedDeadLetters);
    }

    [Fact]
    public async Task A_poison_record_that_cannot_be_parked_for_a_full_disk_stays_queued()
    {
        using var outbox = await DurableOutbox.OpenAsync(_store, new OutboxPolicy(), TimeProvider.System, NullLogger<DurableOutbox>.Instance);
        await outbox.EnqueueAsync(new OutboxMessage(OutboxClass.Alarm, new byte[] { 99 }));
        await outbox.EnqueueAsync(new OutboxMessage(OutboxClass.Alarm, new byte[] { 1 }));
        _store.DeadLetterFailure = new IOException("No space left on device");
        var transport = new ScriptedTransport((connection, tag) => tag == 99
            ? UplinkSendResult.Refused(connection, "PayloadFormatInvalid")
            : UplinkSendResult.Confirmed(connection));
        var sink = new Sequence(outbox);
        var forwarder = new OutboxForwarder(outbox, transport, sink, TimeProvider.System, NullLogger<OutboxForwarder>.Instance, window: 4);
        using var stop = new CancellationTokenSource();
        var run = forwarder.RunAsync(stop.Token);

        await WaitForAsync(() => forwarder.Sent == 1 && outbox.GetStats().TotalDepth == 1);

        // Space returns: it is sent again, refused, and parked now that a record behind it is confirmed.
        _store.DeadLetterFailure = null;
        await outbox.EnqueueAsync(new OutboxMessage(OutboxClass.Alarm, new byte[] { 2 }));
        await WaitForAsync(() => _store.DeadLetters.Count == 1 && outbox.GetStats().TotalDepth == 0, TimeSpan.FromSeconds(20));
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        Assert.Equal(AlertKinds.OutboxDeadLetter, Assert.Single(sink.Published).Kind);
    }

    private static Task WaitForAsync(
        Func<bool> condition, TimeSpan? timeout = null, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(condition))] string? what = null) =>
        Eventually.HoldsAsync(condition, timeout ?? TimeSpan.FromSeconds(10), what);

    /// <summary>A transport whose connection number the test advances, answering each send by a rule.</summary>
    private sealed class ScriptedTransport(Func<int, byte, UplinkSendResult> answer) : IUplinkTransport
    {
        private int _connection = 1;

        public ConcurrentQueue<(int Connection, byte Tag)> Sent { get; } = new();

        public void Reconnect() => Interlocked.Increment(ref _connection);

        public async Task<int> WaitForConnectionAsync(int afterConnection, CancellationToken cancellationToken)
        {
            while (Volatile.Read(ref _connection) <= afterConnection)
            {
                await Task.Delay(5, cancellationToken);
            }

            return Volatile.Read(ref _connection);
        }

        public Task<UplinkSendResult> SendAsync(OutboxEntry entry, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
        {
            var connection = Volatile.Read(ref _connection);
            var tag = payload.Length > 0 ? payload.Span[0] : (byte)0;
            Sent.Enqueue((connection, tag));
            return Task.FromResult(answer(connection, tag));
        }
    }

    /// <summary>
    /// A transport that answers some sends at once (confirmed) and holds the others unanswered, as a
    /// broker holds PUBACKs, until <see cref="Drop"/> fails them all (newest first, each handled before
    /// it returns) and leaves the link down until <see cref="Reconnect"/>.
    /// </summary>
    private sealed class HoldingTransport(Func<int, byte, bool> answerAtOnce) : IUplinkTransport
    {
        private readonly Lock _gate = new();
        private readonly List<TaskCompletionSource<UplinkSendResult>> _held = [];
        private int _connection = 1;
        private bool _connected = true;

        public ConcurrentQueue<(int Connection, byte Tag)> Sent { get; } = new();

        public void Drop()
        {
            List<TaskCompletionSource<UplinkSendResult>> held;
            int connection;
            lock (_gate)
            {
                held = [.. _held];
                _held.Clear();
                connection = _connection;
                _connected = false;
            }

            held.Reverse();
            foreach (var send in held)
            {
                send.TrySetResult(UplinkSendResult.LinkFailed(connection, "connection reset"));
            }
        }

        /// <summary>True while the send loop waits for the link to come back.</summary>
        public bool LoopWaits { get; private set; }

        public void Reconnect()
        {
            lock (_gate)
            {
                _connection++;
                _connected = true;
                LoopWaits = false;
            }
        }

        public async Task<int> WaitForConnectionAsync(int afterConnection, CancellationToken cancellationToken)
        {
            while (true)
            {
                lock (_gate)
                {
                    if (_connected && _connection > afterConnection)
                    {
                        return _connection;
                    }

                    LoopWaits = true;
                }

                await Task.Delay(5, cancellationToken);
            }
        }

        public Task<UplinkSendResult> SendAsync(OutboxEntry entry, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
        {
            var tag = payload.Length > 0 ? payload.Span[0] : (byte)0;
            lock (_gate)
            {
                if (!_connected)
                {
                    return Task.FromResult(UplinkSendResult.LinkFailed(_connection, "not connected"));
                }

                Sent.Enqueue((_connection, tag));
                if (answerAtOnce(_connection, tag))
                {
                    return Task.FromResult(UplinkSendResult.Confirmed(_connection));
                }

                // Continuations run inside Drop, so every failure is handled before it returns.
                var held = new TaskCompletionSource<UplinkSendResult>();
                _held.Add(held);
                return held.Task;
            }
        }
    }

    /// <summary>A sink that stamps drafts minimally and puts them in the outbox, like AlertPublisher.</summary>
    private sealed class Sequence(DurableOutbox outbox) : IAlertSink
    {
        private int _calls;
        private int _failures;

        public ConcurrentQueue<Alert> Published { get; } = new();

        /// <summary>How many publishes to fail as a full disk would, first.</summary>
        public int FailNext { get; set; }

        public int Failures => Volatile.Read(ref _failures);

        public async ValueTask<Alert> PublishAsync(AlertDraft draft, CancellationToken cancellationToken = default)
        {
            if (Interlocked.Increment(ref _calls) <= FailNext)
            {
                Interlocked.Increment(ref _failures);
                throw new OutboxStorageFullException("outbox storage is full");
            }

            var alert = new Alert
            {
                Id = Guid.CreateVersion7(),
                DeviceId = "dev",
                SiteId = "site",
                Sequence = Published.Count + 1,
                Kind = draft.Kind,
                Severity = draft.Severity,
                State = draft.State,
                TimestampMs = 1,
                Attributes = draft.Attributes ?? Alert.EmptyAttributes,
            };
            await outbox.EnqueueAsync(new OutboxMessage(OutboxClass.Alarm, AlertCbor.Encode(alert), alert.Id), cancellationToken);
            Published.Enqueue(alert);
            return alert;
        }
    }
}
