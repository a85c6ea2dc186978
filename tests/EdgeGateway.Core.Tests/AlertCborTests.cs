using System.Formats.Cbor;
using EdgeGateway.Core.Alerts;
using Microsoft.Extensions.Time.Testing;

namespace EdgeGateway.Core.Tests;

[Trait("Category", "Unit")]
public sealed class AlertCborTests
{
    private static readonly FakeTimeProvider Clock = new(DateTimeOffset.Parse("2026-11-28T08:30:00Z", System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>What a kitchen camera sends for a bare face: the case the 160-byte budget is sized for.</summary>
    internal static Alert TypicalAlert() => new()
    {
        Id = AlertIds.NewId(Clock),
        DeviceId = "gw-0a1b2c3d",
        SiteId = "sh-xuhui-0042",
        Sequence = 123_456,
        Kind = AlertKinds.NoMask,
        Severity = AlertSeverity.Warning,
        State = AlertState.Raised,
        TimestampMs = Clock.GetUtcNow().ToUnixTimeMilliseconds(),
        Attributes = new Dictionary<string, string>
        {
            ["camera"] = "kitchen-1",
            ["label"] = "no_mask",
            ["score"] = "0.93",
            ["box"] = "291,98,456,315",
        },
    };

    [Fact]
    public void Typical_alert_without_snapshot_fits_in_160_bytes()
    {
        var bytes = AlertCbor.Encode(TypicalAlert());

        Assert.InRange(bytes.Length, 1, 160);
    }

    [Fact]
    public void Elevator_alert_with_long_ids_still_fits_in_160_bytes()
    {
        var alert = TypicalAlert() with
        {
            DeviceId = "elevator-gw-31010400012345",
            SiteId = "sh-pudong-lujiazui-0815",
            Kind = AlertKinds.DoorOpenMoving,
            Severity = AlertSeverity.Critical,
            Attributes = new Dictionary<string, string> { ["floor"] = "17", ["direction"] = "up", ["speed"] = "1.62" },
        };

        Assert.InRange(AlertCbor.Encode(alert).Length, 1, 160);
    }

    [Fact]
    public void Round_trip_keeps_every_field()
    {
        var alert = TypicalAlert() with { SnapshotRef = "snapshot/abc", State = AlertState.Cleared };

        var decoded = AlertCbor.Decode(AlertCbor.Encode(alert));

        Assert.True(decoded.Success, decoded.Error);
        Assert.Equal(alert, decoded.Alert);
        Assert.Equal(alert.Id, decoded.Alert!.Id);
        Assert.Equal("291,98,456,315", decoded.Alert.Attributes["box"]);
    }

    [Fact]
    public void Ids_are_version_7_and_time_ordered()
    {
        var clock = new FakeTimeProvider();
        var first = AlertIds.NewId(clock);
        clock.Advance(TimeSpan.FromMilliseconds(2));
        var second = AlertIds.NewId(clock);

        Assert.Equal(7, first.Version);
        Assert.True(string.CompareOrdinal(first.ToString(), second.ToString()) < 0);
    }

    [Theory]
    [InlineData(new byte[] { })]
    [InlineData(new byte[] { 0xff })]
    [InlineData(new byte[] { 0x01, 0x02, 0x03 })]
    [InlineData(new byte[] { 0xbf, 0x00 })]
    [InlineData(new byte[] { 0x7f, 0x61, 0x61 })]
    [InlineData(new byte[] { 0xa1, 0x00, 0x01 })]
    public void Garbage_gives_an_error_not_an_exception(byte[] payload)
    {
        var result = AlertCbor.Decode(payload);

        Assert.False(result.Success);
        Assert.False(string.IsNullOrWhiteSpace(result.Error));
        Assert.DoesNotContain('\n', result.Error);
    }

    [Fact]
    public void Every_truncation_of_a_valid_alert_is_refused_cleanly()
    {
        var bytes = AlertCbor.Encode(TypicalAlert() with { SnapshotRef = "snapshot/x" });

        for (var length = 0; length < bytes.Length; length++)
        {
            var result = AlertCbor.Decode(bytes.AsMemory(0, length));
            Assert.False(result.Success, $"a payload cut to {length} of {bytes.Length} bytes was accepted");
            Assert.NotNull(result.Error);
        }
    }

    [Fact]
    public void Random_bit_flips_never_throw()
    {
        var bytes = AlertCbor.Encode(TypicalAlert());
        var random = new Random(7);
        for (var i = 0; i < 5_000; i++)
        {
            var copy = (byte[])bytes.Clone();
            copy[random.Next(copy.Length)] ^= (byte)(1 << random.Next(8));
            var result = AlertCbor.Decode(copy);
            Assert.True(result.Success || result.Error is not null);
        }
    }

    [Fact]
    public void Future_schema_version_is_refused_with_the_version_named()
    {
        var writer = new CborWriter();
        writer.WriteStartMap(1);
        // v2 (the clip reference) is read; the next version is not.
        writer.WriteInt32(0);
        writer.WriteInt32(3);
        writer.WriteEndMap();

        var result = AlertCbor.Decode(writer.Encode());

        Assert.False(result.Success);
        Assert.Contains("version 3", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_fields_from_a_later_v1_writer_are_skipped()
    {
        var alert = TypicalAlert();
        var original = AlertCbor.Encode(alert);
        var reader = new CborReader(original);
        var writer = new CborWriter();
        var count = reader.ReadStartMap()!.Value;
        writer.WriteStartMap(count + 1);
        for (var i = 0; i < count * 2; i++)
        {
            writer.WriteEncodedValue(reader.ReadEncodedValue().Span);
        }

        writer.WriteInt32(99);
        writer.WriteTextString("added later");
        writer.WriteEndMap();

        var result = AlertCbor.Decode(writer.Encode());

        Assert.True(result.Success, result.Error);
        Assert.Equal(alert, result.Alert);
    }

    [Fact]
    public void Missing_required_field_is_named()
    {
        var writer = new CborWriter();
        writer.WriteStartMap(2);
        writer.WriteInt32(0);
        writer.WriteInt32(1);
        writer.WriteInt32(1);
        writer.WriteByteString(new byte[16]);
        writer.WriteEndMap();

        var result = AlertCbor.Decode(writer.Encode());

        Assert.False(result.Success);
        Assert.Contains("id", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Oversized_payload_is_refused_before_parsing()
    {
        var result = AlertCbor.Decode(new byte[AlertLimits.MaxPayloadBytes + 1]);

        Assert.False(result.Success);
        Assert.Contains("at most", result.Error, StringComparison.Ordinal);
    }
}
