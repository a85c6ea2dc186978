using System.Text.Json;
using EdgeGateway.Core.Elevator;
using EdgeGateway.Core.Outbox;

namespace EdgeGateway.Core.Tests;

[Trait("Category", "Unit")]
public sealed class OutboxElevatorStatusSinkTests
{
    [Fact]
    public async Task Status_goes_to_the_status_class_as_readable_json()
    {
        var outbox = new CapturingOutbox();
        var sink = new OutboxElevatorStatusSink(outbox, new DeviceIdentity("gw-e1", "site-3"));

        await sink.PublishStatusAsync(new ElevatorStatus(DateTimeOffset.FromUnixTimeMilliseconds(1_790_000_000_123), 7, "up", "closed", true, 1.4987, "Running"));

        var message = Assert.Single(outbox.Messages);
        Assert.Equal(OutboxClass.Status, message.Class);
        using var json = JsonDocument.Parse(message.Payload);
        Assert.Equal("gw-e1", json.RootElement.GetProperty("device").GetString());
        Assert.Equal(7, json.RootElement.GetProperty("floor").GetInt32());
        Assert.Equal("up", json.RootElement.GetProperty("direction").GetString());
        Assert.True(json.RootElement.GetProperty("in_service").GetBoolean());
        Assert.Equal(1.5, json.RootElement.GetProperty("speed_mps").GetDouble());
        Assert.Equal(1_790_000_000_123, json.RootElement.GetProperty("ts").GetInt64());
    }

    [Fact]
    public async Task Unknown_floor_is_sent_as_null()
    {
        var outbox = new CapturingOutbox();
        var sink = new OutboxElevatorStatusSink(outbox, new DeviceIdentity("gw-e1", "site-3"));

        await sink.PublishStatusAsync(new ElevatorStatus(DateTimeOffset.UnixEpoch.AddDays(1), null, "stopped", "open", false, 0, "Parked"));

        using var json = JsonDocument.Parse(outbox.Messages.Single().Payload);
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("floor").ValueKind);
    }

    private sealed class CapturingOutbox : IOutbox
    {
        public List<OutboxMessage> Messages { get; } = [];

        public ValueTask EnqueueAsync(OutboxMessage message, CancellationToken cancellationToken = default)
        {
            Messages.Add(message);
            return ValueTask.CompletedTask;
        }
    }
}
