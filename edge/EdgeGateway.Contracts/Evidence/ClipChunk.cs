using System.Buffers.Binary;

namespace EdgeGateway.Contracts.Evidence;

/// <summary>
/// One piece of a clip on <c>{prefix}/{site}/{device}/clip/{alertId}</c>: a 52-byte header (magic <c>EGC1</c>, the
/// piece's offset, the clip's total length, the SHA-256 of the whole clip) and the bytes. Pieces go in order and
/// may be sent again after a reconnect; the relay writes each at its offset and checks the SHA-256 when the last
/// byte is in, so the clip arrives whole once.
/// </summary>
public sealed record ClipChunk(long Offset, long Total, byte[] Sha256, ReadOnlyMemory<byte> Data)
{
    public const int HeaderBytes = 52;
    private static ReadOnlySpan<byte> Magic => "EGC1"u8;

    public bool IsLast => Offset + Data.Length == Total;

    public byte[] Encode()
    {
        var bytes = new byte[HeaderBytes + Data.Length];
        Magic.CopyTo(bytes);
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(4), Offset);
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(12), Total);
        Sha256.CopyTo(bytes.AsSpan(20));
        Data.Span.CopyTo(bytes.AsSpan(HeaderBytes));
        return bytes;
    }

    /// <summary>Reads a piece; never throws. A bad one comes back as one line saying what is wrong.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> payload, out ClipChunk? chunk, out string? error)
    {
        chunk = null;
        if (payload.Length <= HeaderBytes || !payload[..4].SequenceEqual(Magic))
        {
            error = $"clip piece of {payload.Length} bytes has no EGC1 header; expected {HeaderBytes} header bytes and data";
            return false;
        }

        var offset = BinaryPrimitives.ReadInt64BigEndian(payload[4..]);
        var total = BinaryPrimitives.ReadInt64BigEndian(payload[12..]);
        var length = payload.Length - HeaderBytes;
        if (length > EvidenceLimits.MaxChunkBytes || total is < 1 or > EvidenceLimits.MaxClipBytes || offset < 0 || offset + length > total)
        {
            error = $"clip piece at offset {offset} of {length} bytes in a clip of {total} bytes is out of range; expected pieces of at most {EvidenceLimits.MaxChunkBytes} bytes inside a clip of at most {EvidenceLimits.MaxClipBytes} bytes";
            return false;
        }

        chunk = new ClipChunk(offset, total, payload.Slice(20, 32).ToArray(), payload[HeaderBytes..].ToArray());
        error = null;
        return true;
    }
}
