using System.Formats.Cbor;
using EdgeGateway.Contracts;
using EdgeGateway.Contracts.Telemetry;

namespace EdgeGateway.Core.Tests;

/// <summary>The health report both programs share: compact CBOR that round-trips, and one line for what is not one.</summary>
[Trait("Category", "Unit")]
public sealed class HealthReportTests
{
    private static HealthReport Sample() => new()
    {
        TimeMs = 1_765_000_000_000,
        UptimeSeconds = 3600,
        Version = "1.4.0",
        ConfigVersion = 12,
        Cameras =
        [
            new CameraHealthReport("prep-1", true, 10, 4.9, 5, 36_000, 17_640, 3, 180.5, 42.25),
            new CameraHealthReport("store-room", false, 0, 0, 2, 100, 40, 0, 0, 0, "connection refused"),
            new CameraHealthReport("back-door", true, 5, 2, 2, 1, 1, 0, 1, 1),
            new CameraHealthReport("car-1", true, 5, 2, 2, 1, 1, 0, 1, 1),
        ],
        OutboxDepth = new Dictionary<string, long> { ["alarm"] = 2, ["snapshot"] = 1 },
        OutboxOldestSeconds = 12.5,
        OutboxBytes = 4096,
        DiskFreeBytes = 10_000_000_000,
        DiskTotalBytes = 32_000_000_000,
        CpuPercent = 37.5,
        TemperatureC = 61.2,
        MemoryBytes = 300_000_000,
        UplinkConnected = true,
        UplinkReconnects = 4,
        UplinkRoundTripMs = 35.5,
        ElevatorSamplesPerSecond = 50,
        ElevatorMode = "normal",
        Models = [new ModelHealthReport("face-mask-retina", new string('a', 64)), new ModelHealthReport("yolox-nano-coco80", new string('b', 64))],
    };

    [Fact]
    public void A_report_round_trips_and_a_box_with_four_cameras_stays_under_one_kib()
    {
        var report = Sample();
        var bytes = report.Encode();

        Assert.True(HealthReport.TryDecode(bytes, out var decoded, out var problem), problem);
        Assert.Equal(report.Cameras, decoded!.Cameras);
        Assert.Equal(report.Models, decoded.Models);
        Assert.Equal(report.OutboxDepth, decoded.OutboxDepth);
        Assert.Equal(report with { Cameras = decoded.Cameras, Models = decoded.Models, OutboxDepth = decoded.OutboxDepth }, decoded);
        Assert.True(bytes.Length < 1024, $"{bytes.Length} bytes");
    }

    [Fact]
    public void Values_a_box_cannot_measure_stay_null()
    {
        var report = new HealthReport { TimeMs = 1, UptimeSeconds = 2, Version = "1" };

        Assert.True(HealthReport.TryDecode(report.Encode(), out var decoded, out _));
        Assert.Null(decoded!.TemperatureC);
        Assert.Null(decoded.ElevatorMode);
        Assert.Null(decoded.ElevatorSamplesPerSecond);
        Assert.Null(decoded.ConfigVersion);
        Assert.Empty(decoded.Cameras);
    }

    [Fact]
    public void Keys_from_a_newer_box_are_skipped()
    {
        var writer = new CborWriter();
        writer.WriteStartMap(4);
        writer.WriteTextString("t");
        writer.WriteInt64(5);
        writer.WriteTextString("future");
        writer.WriteStartArray(1);
        writer.WriteTextString("x");
        writer.WriteEndArray();
        writer.WriteTextString("up");
        writer.WriteInt64(6);
        writer.WriteTextString("v");
        writer.WriteTextString("2.0");
        writer.WriteEndMap();

        Assert.True(HealthReport.TryDecode(writer.Encode(), out var decoded, out var problem), problem);
        Assert.Equal("2.0", decoded!.Version);
    }

    [Theory]
    [InlineData(new byte[] { 0x01 }, "not the expected CBOR")]
    [InlineData(new byte[] { 0xA0 }, "expected the keys t (time), up (uptime) and v (version)")]
    public void What_is_not_a_report_is_one_line(byte[] payload, string expected)
    {
        Assert.False(HealthReport.TryDecode(payload, out _, out var problem));
        Assert.Contains(expected, problem);
    }

    [Fact]
    public void An_oversized_report_is_refused_before_decoding()
    {
        Assert.False(HealthReport.TryDecode(new byte[HealthReport.MaxBytes + 1], out _, out var problem));
        Assert.Contains($"expected at most {HealthReport.MaxBytes}", problem);
    }

    [Fact]
    public void The_health_topic_formats_and_parses_as_its_channel()
    {
        Assert.Equal("edge/s/d/health", EdgeTopic.Format("edge", "s", "d", EdgeChannel.Health));
        Assert.True(EdgeTopic.TryParse("edge", "edge/s/d/health", out var parsed));
        Assert.Equal(EdgeChannel.Health, parsed.Channel);
        Assert.Equal("edge/+/+/health", EdgeTopic.FilterFor("edge", EdgeChannel.Health));
    }
}
