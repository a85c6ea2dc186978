using System.Buffers;

namespace EdgeGateway.Contracts;

/// <summary>
/// Bounds every decoder enforces, so a hostile payload costs little: payload size, attribute count, text length, and
/// no control characters (U+0000 to U+001F) in any text. The box checks an alert with the same decoder before it
/// enters the outbox (<see cref="Check"/>), so it never queues one the relay would refuse.
/// </summary>
public static class AlertLimits
{
    /// <summary>The newest version this build reads and writes: v2 adds the clip reference; v1 alerts are still read.</summary>
    public const int SchemaVersion = 2;
    public const int MaxPayloadBytes = 8 * 1024;

    /// <summary>The readable JSON rendering spells its keys out, so it may take twice the CBOR bound.</summary>
    public const int MaxJsonPayloadBytes = 2 * MaxPayloadBytes;
    public const int MaxAttributes = 32;
    public const int MaxStringLength = 256;

    /// <summary>
    /// The relay's one decode-and-size path: JSON when the first byte that is not white space is '{', else CBOR, each
    /// with its own bound. Never throws; a payload past every bound is refused before it is copied.
    /// </summary>
    public static AlertDecodeResult DecodeAny(ReadOnlySequence<byte> payload)
    {
        if (payload.Length > MaxJsonPayloadBytes)
        {
            return AlertDecodeResult.Fail(AlertDecodeError.Oversized,
                $"alert payload is {payload.Length} bytes; expected at most {MaxPayloadBytes} (CBOR) or {MaxJsonPayloadBytes} (JSON)");
        }

        ReadOnlyMemory<byte> bytes = payload.IsSingleSegment ? payload.First : payload.ToArray();
        var span = bytes.Span;
        var start = 0;
        while (start < span.Length && span[start] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
        {
            start++;
        }

        return start < span.Length && span[start] == (byte)'{' ? AlertJson.Decode(bytes) : AlertCbor.Decode(bytes);
    }

    /// <summary>Decodes an encoded alert exactly as the relay will; a failure says what the relay would refuse.</summary>
    public static AlertDecodeResult Check(ReadOnlyMemory<byte> payload, AlertEncoding encoding) =>
        encoding == AlertEncoding.Json ? AlertJson.Decode(payload) : AlertCbor.Decode(payload);
}

/// <summary>The box refused to queue an alert the relay would refuse; <see cref="Kind"/> says why.</summary>
public sealed class AlertRefusedException(AlertDecodeError kind, string message) : ArgumentException(message)
{
    public AlertDecodeError Kind { get; } = kind;
}
