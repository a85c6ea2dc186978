using System.Buffers;
using CloudRelay.Ingest;
using EdgeGateway.Contracts;
using EdgeGateway.Contracts.Evidence;
using EdgeGateway.Vision.Configuration;
using EdgeGateway.Vision;

namespace EdgeGateway.Host.Tests.Unit;

/// <summary>The relay and the box read the contract's limits: one size for a snapshot, one decode path for an alert.</summary>
[Trait("Category", "Unit")]
public sealed class ContractLimitTests
{
    [Theory]
    [InlineData(AlertLimits.MaxPayloadBytes + 1, "expected at most 8192")]
    [InlineData(AlertLimits.MaxJsonPayloadBytes + 1, "expected at most 8192 (CBOR) or 16384 (JSON)")]
    public void An_oversized_alert_is_refused_with_the_bound_it_passed(int size, string says)
    {
        var payload = new byte[size];
        payload[0] = 0xA1; // A CBOR map: read as CBOR, not JSON.

        var result = DeviceMessageIngestor.Decode(new ReadOnlySequence<byte>(payload));

        Assert.Equal(IngestOutcome.Rejected, result.Outcome);
        Assert.Equal(RejectReasons.Oversized, result.Reason);
        Assert.EndsWith(says, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_json_alert_may_take_twice_the_cbor_bound_and_no_more()
    {
        var padded = "{" + new string(' ', AlertLimits.MaxPayloadBytes + 100) + "}";
        var result = DeviceMessageIngestor.Decode(new ReadOnlySequence<byte>(System.Text.Encoding.UTF8.GetBytes(padded)));

        Assert.NotEqual(RejectReasons.Oversized, result.Reason);
    }

    [Theory]
    [InlineData(SnapshotLimits.MaxBytes, true)]
    [InlineData(SnapshotLimits.MaxBytes + 1, false)]
    [InlineData(SnapshotLimits.MinBytes - 1, false)]
    public void The_box_renders_no_snapshot_the_relay_would_refuse(int budget, bool accepted)
    {
        var options = new VisionOptions();
        options.Vision.SnapshotMaxBytes = budget;

        var lines = VisionOptionsValidator.Problems(options).ToList();

        Assert.Equal(accepted, lines.Count == 0);
        Assert.Equal(SnapshotLimits.MaxBytes, new VisionOptions().Vision.SnapshotMaxBytes);
    }
}
