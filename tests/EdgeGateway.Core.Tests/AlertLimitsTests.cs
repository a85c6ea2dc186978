using EdgeGateway.Core.Alerts;
using EdgeGateway.Core.Outbox;
using EdgeGateway.Core.Publishing;
using Microsoft.Extensions.Time.Testing;

namespace EdgeGateway.Core.Tests;

/// <summary>The box applies the relay's own decoder and limits when it queues an alert.</summary>
[Trait("Category", "Unit")]
public sealed class AlertLimitsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("limits-").FullName;
    private readonly RecordingOutbox _outbox = new();
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.FromUnixTimeMilliseconds(1_790_000_000_000));

    [Theory]
    [InlineData(AlertEncoding.Cbor)]
    [InlineData(AlertEncoding.Json)]
    public async Task An_alert_the_relay_would_refuse_never_enters_the_outbox(AlertEncoding encoding)
    {
        var publisher = new AlertPublisher(new DeviceIdentity("gw-1", "site-9"), new FileAlertSequence(_directory), _outbox, _clock, encoding);
        var nul = new AlertDraft("rat\0", AlertSeverity.Major, AlertState.Raised);
        var newline = new AlertDraft(AlertKinds.Rat, AlertSeverity.Major, AlertState.Raised)
        {
            Attributes = new Dictionary<string, string>(StringComparer.Ordinal) { ["camera"] = "cam1\nx" },
            SnapshotJpeg = new byte[] { 0xff, 0xd8, 0xff, 0xd9 },
        };
        var tooLong = new AlertDraft(new string('k', AlertLimits.MaxStringLength + 1), AlertSeverity.Major, AlertState.Raised);

        var refusedNul = await Assert.ThrowsAsync<AlertRefusedException>(() => publisher.PublishAsync(nul).AsTask());
        var refusedNewline = await Assert.ThrowsAsync<AlertRefusedException>(() => publisher.PublishAsync(newline).AsTask());
        var refusedLength = await Assert.ThrowsAsync<AlertRefusedException>(() => publisher.PublishAsync(tooLong).AsTask());
        var fine = await publisher.PublishAsync(new AlertDraft(AlertKinds.Rat, AlertSeverity.Major, AlertState.Raised));

        Assert.Equal(AlertDecodeError.ControlCharacter, refusedNul.Kind);
        Assert.Equal(AlertDecodeError.ControlCharacter, refusedNewline.Kind);
        Assert.Contains("U+000A", refusedNewline.Message, StringComparison.Ordinal);
        Assert.Equal(AlertDecodeError.Oversized, refusedLength.Kind);
        var queued = Assert.Single(_outbox.Messages);
        Assert.Equal(fine.Id, queued.AlertId);
    }

    [Fact]
    public void The_decoder_names_the_error_kind_for_each_bad_payload()
    {
        var alert = new Alert
        {
            Id = Guid.CreateVersion7(), DeviceId = "d", SiteId = "s", Sequence = 1, Kind = "rat", Severity = AlertSeverity.Major,
            State = AlertState.Raised, TimestampMs = 1, Attributes = Alert.EmptyAttributes,
        };
        var cbor = AlertCbor.Encode(alert);

        Assert.Equal(AlertDecodeError.None, AlertCbor.Decode(cbor).Kind);
        Assert.Equal(AlertDecodeError.Empty, AlertCbor.Decode(ReadOnlyMemory<byte>.Empty).Kind);
        Assert.Equal(AlertDecodeError.Malformed, AlertCbor.Decode(cbor.AsMemory(0, cbor.Length / 2)).Kind);
        Assert.Equal(AlertDecodeError.Oversized, AlertCbor.Decode(new byte[AlertLimits.MaxPayloadBytes + 1]).Kind);
        Assert.Equal(AlertDecodeError.ControlCharacter, AlertCbor.Decode(AlertCbor.Encode(alert with { SiteId = "s\u001f" })).Kind);
        Assert.Equal(AlertDecodeError.ControlCharacter, AlertJson.Decode("""{"v":1,"id":"0190f0f0-0000-7000-8000-000000000001","device":"d","site":"s","seq":1,"kind":"rat\u0000","severity":"major","state":"raised","ts":1}"""u8.ToArray()).Kind);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private sealed class RecordingOutbox : EdgeGateway.Core.Outbox.IOutbox
    {
        public List<OutboxMessage> Messages { get; } = [];

        public ValueTask EnqueueAsync(OutboxMessage message, CancellationToken cancellationToken = default)
        {
            Messages.Add(message);
            return ValueTask.CompletedTask;
        }
    }
}
