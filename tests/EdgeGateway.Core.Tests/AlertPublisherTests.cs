using EdgeGateway.Core.Alerts;
using EdgeGateway.Core.Outbox;
using EdgeGateway.Core.Publishing;
using Microsoft.Extensions.Time.Testing;

namespace EdgeGateway.Core.Tests;

[Trait("Category", "Unit")]
public sealed class AlertPublisherTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("pub-").FullName;
    private readonly RecordingOutbox _outbox = new();
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.FromUnixTimeMilliseconds(1_790_000_000_000));

    [Fact]
    public async Task Stamps_identity_sequence_and_time()
    {
        var publisher = new AlertPublisher(new DeviceIdentity("gw-1", "site-9"), new FileAlertSequence(_directory), _outbox, _clock);

        var first = await publisher.PublishAsync(new AlertDraft(AlertKinds.Trapped, AlertSeverity.Critical, AlertState.Raised));
        var second = await publisher.PublishAsync(new AlertDraft(AlertKinds.Trapped, AlertSeverity.Critical, AlertState.Cleared));

        Assert.Equal("gw-1", first.DeviceId);
        Assert.Equal("site-9", first.SiteId);
        Assert.Equal(1_790_000_000_000, first.TimestampMs);
        Assert.True(second.Sequence > first.Sequence);
        Assert.NotEqual(first.Id, second.Id);
        var message = Assert.Single(_outbox.Messages, m => m.AlertId == first.Id);
        Assert.Equal(OutboxClass.Alarm, message.Class);
        Assert.Equal(first, AlertCbor.Decode(message.Payload).Alert);
    }

    [Fact]
    public async Task A_draft_that_knows_when_its_rule_fired_keeps_that_moment()
    {
        var publisher = new AlertPublisher(new DeviceIdentity("gw-1", "site-9"), new FileAlertSequence(_directory), _outbox, _clock);
        var fired = _clock.GetUtcNow().AddMilliseconds(-350);

        var alert = await publisher.PublishAsync(new AlertDraft(AlertKinds.Trapped, AlertSeverity.Critical, AlertState.Raised) { At = fired });

        Assert.Equal(fired.ToUnixTimeMilliseconds(), alert.TimestampMs);
    }

    [Fact]
    public async Task Snapshot_is_queued_first_at_its_own_priority_and_referenced()
    {
        var publisher = new AlertPublisher(new DeviceIdentity("gw-1", "site-9"), new FileAlertSequence(_directory), _outbox, _clock);
        byte[] jpeg = [0xff, 0xd8, 0xff, 0xd9];

        var alert = await publisher.PublishAsync(new AlertDraft(AlertKinds.NoMask, AlertSeverity.Warning, AlertState.Raised) { SnapshotJpeg = jpeg });

        Assert.Equal([OutboxClass.Snapshot, OutboxClass.Alarm], _outbox.Messages.Select(m => m.Class));
        Assert.Equal(jpeg, _outbox.Messages[0].Payload.ToArray());
        Assert.Equal(AlertPublisher.SnapshotReference(alert.Id), alert.SnapshotRef);
    }

    [Fact]
    public async Task Json_encoding_is_used_when_configured()
    {
        var publisher = new AlertPublisher(new DeviceIdentity("gw-1", "site-9"), new FileAlertSequence(_directory), _outbox, _clock, AlertEncoding.Json);

        var alert = await publisher.PublishAsync(new AlertDraft(AlertKinds.Test, AlertSeverity.Info, AlertState.Raised));

        Assert.Equal(alert, AlertJson.Decode(_outbox.Messages.Single().Payload).Alert);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>Records what would have gone to disk; the durable store has its own tests.</summary>
    private sealed class RecordingOutbox : IOutbox
    {
        public List<OutboxMessage> Messages { get; } = [];

        public ValueTask EnqueueAsync(OutboxMessage message, CancellationToken cancellationToken = default)
        {
            Messages.Add(message);
            return ValueTask.CompletedTask;
        }
    }
}
