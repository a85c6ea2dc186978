using EdgeGateway.Core.Alerts;
using EdgeGateway.Core.Outbox;
using EdgeGateway.Supervision.Progress;
using EdgeGateway.Testing;
using EdgeGateway.Uplink.Segments;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace EdgeGateway.Uplink.Tests;

/// <summary>An idle outbox writer and an idle send loop still show the watchdog they are alive.</summary>
[Trait("Category", "Unit")]
public sealed class IdleProgressTests : IDisposable
{
    private readonly FakeTimeProvider _time = new();
    private readonly string _directory = Directory.CreateTempSubdirectory("outbox-idle-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task An_idle_outbox_writer_beats_every_quarter_deadline_and_never_counts_as_stalled()
    {
        // Time moves only while the writer waits on it: the writer beats before it arms its idle
        // wait, so a clock moved in between would skip a wait the writer had not reached yet.
        var time = new SteppedTimeProvider(DateTimeOffset.UtcNow);
        var registry = new ProgressRegistry(time);
        using (var store = new FileOutboxStore(new FileOutboxStoreOptions(_directory), time, NullLogger<FileOutboxStore>.Instance, registry))
        {
            store.Open(_ => { });
            Assert.True(store.IsWriting);
            var writer = Assert.Single(registry.Snapshot());
            Assert.Equal("outbox writer", writer.Part);

            // Two minutes with nothing to write, in steps of a quarter of the deadline.
            for (var i = 0; i < 16; i++)
            {
                await time.AdvanceWhileWaitingAsync(FileOutboxStore.WriterDeadline / 4);
                Assert.InRange(registry.Snapshot()[0].SinceLastBeat, TimeSpan.Zero, FileOutboxStore.WriterDeadline / 4);
                Assert.Null(registry.FindStall());
            }
        }

        // Closed on purpose: no longer watched.
        Assert.Empty(registry.Snapshot());
    }

    [Fact]
    public async Task An_idle_send_loop_turns_every_idle_interval_and_still_sends_what_comes()
    {
        using var outbox = await DurableOutbox.OpenAsync(new MemoryOutboxStore(), new OutboxPolicy(), _time, NullLogger<DurableOutbox>.Instance);
        var transport = new ConfirmingTransport();
        var forwarder = new OutboxForwarder(outbox, transport, new NoAlerts(), _time, NullLogger<OutboxForwarder>.Instance);
        var turns = 0;
        using var stop = new CancellationTokenSource();
        var run = forwarder.RunAsync(() => Interlocked.Increment(ref turns), TimeSpan.FromSeconds(5), stop.Token);

        await WaitUntilAsync(() => Volatile.Read(ref turns) == 1);
        for (var i = 2; i <= 5; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(5));
            await WaitUntilAsync(() => Volatile.Read(ref turns) == i);
        }

        await outbox.EnqueueAsync(new OutboxMessage(OutboxClass.Alarm, new byte[] { 1 }));
        await WaitUntilAsync(() => forwarder.Sent == 1);
        Assert.Equal(0, outbox.GetStats().TotalDepth);

        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "condition not met within 10 s");
            await Task.Delay(5);
        }
    }

    private sealed class ConfirmingTransport : IUplinkTransport
    {
        public Task<int> WaitForConnectionAsync(int afterConnection, CancellationToken cancellationToken) => Task.FromResult(afterConnection + 1);

        public Task<UplinkSendResult> SendAsync(OutboxEntry entry, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken) =>
            Task.FromResult(UplinkSendResult.Confirmed(1));
    }

    private sealed class NoAlerts : IAlertSink
    {
        public ValueTask<Alert> PublishAsync(AlertDraft draft, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("no alert expected");
    }
}
