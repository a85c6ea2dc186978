using System.Security.Cryptography;
using EdgeGateway.Contracts.Evidence;

namespace EdgeGateway.Core.Tests;

/// <summary>Contract v2: the clip reference, the clip piece and the signed manifest.</summary>
[Trait("Category", "Unit")]
public sealed class EvidenceContractTests
{
    private static Alert Sample(string? clip) => new()
    {
        Id = Guid.CreateVersion7(), DeviceId = "box-1", SiteId = "site-1", Sequence = 7, Kind = AlertKinds.NoMask,
        Severity = AlertSeverity.Warning, State = AlertState.Raised, TimestampMs = 1_700_000_000_000, ClipRef = clip,
    };

    [Fact]
    public void An_alert_with_a_clip_is_v2_in_both_encodings_and_one_without_stays_v1_for_older_relays()
    {
        var withClip = Sample("clip/x");
        Assert.Equal(withClip, AlertCbor.Decode(AlertCbor.Encode(withClip)).Alert);
        Assert.Equal(withClip, AlertJson.Decode(AlertJson.Encode(withClip)).Alert);
        Assert.Contains("\"v\":2", AlertJson.Render(withClip), StringComparison.Ordinal);
        Assert.Contains("\"clip\":\"clip/x\"", AlertJson.Render(withClip), StringComparison.Ordinal);
        Assert.Contains("\"v\":1", AlertJson.Render(Sample(null)), StringComparison.Ordinal);
        Assert.Equal(AlertDecodeError.FutureVersion, AlertJson.Decode("{\"v\":3}"u8.ToArray()).Kind);
    }

    [Fact]
    public void A_manifest_verifies_with_its_key_and_fails_with_another_or_after_one_byte_changes()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var manifest = new EvidenceManifest(Guid.CreateVersion7(), "box-1", "site-1", "no_mask", 1_700_000_000_000, "aa", "bb");
        var bytes = manifest.ToBytes();
        var signature = EvidenceSignature.Sign(key, bytes);
        Assert.True(EvidenceSignature.Verify(key, bytes, signature));
        Assert.False(EvidenceSignature.Verify(other, bytes, signature));
        bytes[^3] ^= 1;
        Assert.False(EvidenceSignature.Verify(key, bytes, signature));
        Assert.True(EvidenceManifest.TryParse(manifest.ToBytes(), out var parsed, out _));
        Assert.Equal(manifest, parsed);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(51)]
    public void A_clip_piece_without_its_header_is_one_line_never_an_exception(int length)
    {
        Assert.False(ClipChunk.TryDecode(new byte[length], out _, out var error));
        Assert.Contains("EGC1", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_clip_piece_past_the_end_of_its_clip_is_refused()
    {
        var piece = new ClipChunk(90, 100, new byte[32], new byte[20]).Encode();
        Assert.False(ClipChunk.TryDecode(piece, out _, out var error));
        Assert.Contains("out of range", error, StringComparison.Ordinal);
    }
}
