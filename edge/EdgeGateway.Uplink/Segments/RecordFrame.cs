using System.Buffers;
using System.Buffers.Binary;
using EdgeGateway.Core.Alerts;
using EdgeGateway.Core.Outbox;

namespace EdgeGateway.Uplink.Segments;

/// <summary>
/// The on-disk frame of one store record:
/// <c>magic u32 | body length u32 | crc32c(length, body) u32 | body</c>, all little-endian.
/// Body kinds: an append (<c>1 | id i64 | class u8 | enqueued-ms i64 | flags u8 | [alert id 16] | payload</c>)
/// or a removal (<c>2 | reason u8 | count i32 | ids i64…</c>).
/// </summary>
internal static class RecordFrame
{
    public const uint Magic = 0x424F4745; // "EGOB"
    public const int HeaderSize = 12;
    public const int MaxBodySize = 64 * 1024 * 1024;
    public const byte AppendKind = 1;
    public const byte RemoveKind = 2;
    private const int AppendFixedSize = 1 + 8 + 1 + 8 + 1;
    private const byte HasAlertId = 1;

    /// <summary>Writes an append frame; returns the offset of the payload within the frame.</summary>
    public static int WriteAppend(IBufferWriter<byte> output, OutboxEntry entry, ReadOnlySpan<byte> payload)
    {
        var bodySize = AppendFixedSize + (entry.AlertId is null ? 0 : 16) + payload.Length;
        var span = output.GetSpan(HeaderSize + bodySize);
        var body = span.Slice(HeaderSize, bodySize);
        body[0] = AppendKind;
        BinaryPrimitives.WriteInt64LittleEndian(body[1..], entry.Id);
        body[9] = (byte)entry.Class;
        BinaryPrimitives.WriteInt64LittleEndian(body[10..], entry.EnqueuedAtMs);
        body[18] = entry.AlertId is null ? (byte)0 : HasAlertId;
        var at = AppendFixedSize;
        if (entry.AlertId is { } alertId)
        {
            AlertIds.WriteBytes(alertId, body.Slice(at, 16));
            at += 16;
        }

        payload.CopyTo(body[at..]);
        WriteHeader(span, body);
        output.Advance(HeaderSize + bodySize);
        return HeaderSize + at;
    }

    public static void WriteRemove(IBufferWriter<byte> output, ReadOnlySpan<long> ids, OutboxRemoval reason)
    {
        var bodySize = 1 + 1 + 4 + (8 * ids.Length);
        var span = output.GetSpan(HeaderSize + bodySize);
        var body = span.Slice(HeaderSize, bodySize);
        body[0] = RemoveKind;
        body[1] = (byte)reason;
        BinaryPrimitives.WriteInt32LittleEndian(body[2..], ids.Length);
        for (var i = 0; i < ids.Length; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(body[(6 + (8 * i))..], ids[i]);
        }

        WriteHeader(span, body);
        output.Advance(HeaderSize + bodySize);
    }

    /// <summary>
    /// Checks the frame at <paramref name="offset"/>. Returns its total length, or 0 if the bytes
    /// there are not an intact frame (wrong magic, impossible length, truncated, bad checksum).
    /// </summary>
    public static int TryMeasure(ReadOnlySpan<byte> file, long offset)
    {
        if (file.Length - offset < HeaderSize)
        {
            return 0;
        }

        var header = file.Slice((int)offset, HeaderSize);
        if (BinaryPrimitives.ReadUInt32LittleEndian(header) != Magic)
        {
            return 0;
        }

        var length = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
        if (length is 0 or > MaxBodySize || length > file.Length - offset - HeaderSize)
        {
            return 0;
        }

        var body = file.Slice((int)offset + HeaderSize, (int)length);
        var crc = Crc32C.Finish(Crc32C.Append(Crc32C.Append(Crc32C.Seed, length), body));
        return crc == BinaryPrimitives.ReadUInt32LittleEndian(header[8..]) ? HeaderSize + (int)length : 0;
    }

    /// <summary>Reads an intact append body into an entry and the payload's offset within the frame.</summary>
    public static bool TryReadAppend(ReadOnlySpan<byte> body, out OutboxEntry entry, out int payloadOffset)
    {
        entry = null!;
        payloadOffset = 0;
        if (body.Length < AppendFixedSize || body[0] != AppendKind)
        {
            return false;
        }

        var id = BinaryPrimitives.ReadInt64LittleEndian(body[1..]);
        var messageClass = (OutboxClass)body[9];
        var enqueued = BinaryPrimitives.ReadInt64LittleEndian(body[10..]);
        var flags = body[18];
        var at = AppendFixedSize;
        Guid? alertId = null;
        if ((flags & HasAlertId) != 0)
        {
            if (body.Length < at + 16)
            {
                return false;
            }

            alertId = AlertIds.FromBytes(body.Slice(at, 16));
            at += 16;
        }

        if (!Enum.IsDefined(messageClass))
        {
            return false;
        }

        entry = new OutboxEntry(id, messageClass, alertId, enqueued, body.Length - at);
        payloadOffset = HeaderSize + at;
        return true;
    }

    public static bool TryReadRemove(ReadOnlySpan<byte> body, List<long> ids)
    {
        if (body.Length < 6 || body[0] != RemoveKind)
        {
            return false;
        }

        var count = BinaryPrimitives.ReadInt32LittleEndian(body[2..]);
        if (count < 0 || body.Length != 6 + (8L * count))
        {
            return false;
        }

        for (var i = 0; i < count; i++)
        {
            ids.Add(BinaryPrimitives.ReadInt64LittleEndian(body[(6 + (8 * i))..]));
        }

        return true;
    }

    /// <summary>Writes a frame around an arbitrary body (used for dead-letter notes).</summary>
    public static void WriteRaw(IBufferWriter<byte> output, ReadOnlySpan<byte> body)
    {
        var span = output.GetSpan(HeaderSize + body.Length);
        body.CopyTo(span[HeaderSize..]);
        WriteHeader(span, span.Slice(HeaderSize, body.Length));
        output.Advance(HeaderSize + body.Length);
    }

    private static void WriteHeader(Span<byte> frame, ReadOnlySpan<byte> body)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(frame, Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(frame[4..], (uint)body.Length);
        var crc = Crc32C.Finish(Crc32C.Append(Crc32C.Append(Crc32C.Seed, (uint)body.Length), body));
        BinaryPrimitives.WriteUInt32LittleEndian(frame[8..], crc);
    }
}
