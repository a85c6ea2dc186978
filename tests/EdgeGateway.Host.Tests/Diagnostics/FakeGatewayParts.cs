using EdgeGateway.Core;
using EdgeGateway.Core.Alerts;
using EdgeGateway.Core.Health;
using EdgeGateway.Core.Outbox;
using EdgeGateway.Core.Publishing;
using EdgeGateway.Testing;

namespace EdgeGateway.Host.Tests.Diagnostics;

/// <summary>A camera monitor that serves a real JPEG from the shared images as its latest frame.</summary>
public sealed class StubCameraMonitor : ICameraMonitor
{
    public byte[] Jpeg { get; } = File.ReadAllBytes(RepoPaths.SharedFile("images", "street-bicycle-dog.jpg"));

    public IReadOnlyList<CameraHealth> GetHealth() =>
        [new CameraHealth("k1", "kitchen", true, 120, 40, 2, 0.1, 0, null, 4.0)];

    public bool TryGetLatestAnnotatedJpeg(string cameraId, out ReadOnlyMemory<byte> jpeg)
    {
        jpeg = cameraId == "k1" ? Jpeg : default;
        return cameraId == "k1";
    }
}

/// <summary>An elevator monitor that records check-ins, so a test can see whether one happened.</summary>
public sealed class StubElevatorMonitor : IElevatorMonitor
{
    public List<string> CheckIns { get; } = [];

    public string State { get; set; } = "Idle";

    public string StateDiagramMermaid => "stateDiagram-v2\n\tIdle --> Trapped : DoorsClosedNoRun\n\tTrapped --> Idle : Rescued\n[*] --> Idle";

    public ElevatorSnapshot GetSnapshot() => new(
        State, 3, "none", true, true, 0,
        new Dictionary<string, bool> { ["door_closed"] = true, ["door_zone"] = true },
        State == "Idle" ? [] : ["trapped"],
        CheckIns.Count > 0 ? DateTimeOffset.UnixEpoch : null);

    public ValueTask CheckInMaintenanceAsync(string technician, CancellationToken cancellationToken = default)
    {
        CheckIns.Add(technician);
        return ValueTask.CompletedTask;
    }
}

public sealed class StubUplinkMonitor : IUplinkMonitor
{
    public UplinkHealth GetHealth() => new(
        true,
        "mqtts://relay.example:8883",
        new Dictionary<OutboxClass, long> { [OutboxClass.Alarm] = 2, [OutboxClass.Snapshot] = 5 },
        12.5, 0, 40, null);
}

/// <summary>An outbox that keeps what it is given in memory.</summary>
public sealed class MemoryOutbox : IOutbox
{
    public List<OutboxMessage> Messages { get; } = [];

    public ValueTask EnqueueAsync(OutboxMessage message, CancellationToken cancellationToken = default)
    {
        lock (Messages)
        {
            Messages.Add(message);
        }

        return ValueTask.CompletedTask;
    }
}

public sealed class CountingSequence : IAlertSequence
{
    private long _next;

    public long Take() => Interlocked.Increment(ref _next);
}

/// <summary>The real publisher over an in-memory outbox, as the uplink would register it.</summary>
public static class TestPublisher
{
    public static AlertPublisher Create(MemoryOutbox outbox) =>
        new(new DeviceIdentity("kitchen-0042", "xuhui-0193"), new CountingSequence(), outbox, TimeProvider.System);
}
