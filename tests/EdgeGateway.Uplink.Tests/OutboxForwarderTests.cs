using System.Collections.Concurrent;
using EdgeGateway.Core;
using EdgeGateway.Core.Alerts;
using EdgeGateway.Core.Outbox;
using EdgeGateway.Core.Ports;
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
    public async Task A_record_the_broker_keeps_refusing_is_dead_lettered_and_the_ones_behind_it_are_delivered()
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
        Assert.Equal(3, transport.Sent.Count(s => s.Tag == 99));
        Assert.Equal(5, transport.Sent.Where(s => s.Tag < 5).Select(s => s.Tag).Distinct().Count());
        Assert.Equal(1, forwarder.DeadLettered);
    }

    [Fact]
    public async Task A_record_after_which_the_link_drops_every_time_is_sent_alone_then_dead_lettered()
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
        Assert.Contains("connection dropped", reason);
        Assert.Equal(4, transport.Sent.Count(s => s.Tag == 77));
    }

    private static Task WaitForAsync(Func<bool> condition) => WaitForAsync(condition, TimeSpan.FromSeconds(10));

    private static async Task WaitForAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        Assert.True(condition());
    }

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

    /// <summary>A sink that stamps drafts minimally and puts them in the outbox, like AlertPublisher.</summary>
    private sealed class Sequence(DurableOutbox outbox) : IAlertSink
    {
        public ConcurrentQueue<Alert> Published { get; } = new();

        public async ValueTask<Alert> PublishAsync(AlertDraft draft, CancellationToken cancellationToken = default)
        {
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
