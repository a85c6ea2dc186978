using System.Globalization;

namespace EdgeGateway.Uplink.Segments;

/// <summary>What replaying one segment found.</summary>
/// <param name="GoodLength">Where the last intact record ends; a torn tail starts here.</param>
/// <param name="TornTailBytes">Bytes after the last intact record that hold no intact record (zeros, a record cut short): a power cut's tail.</param>
/// <param name="DamagedBytes">Bytes of damaged records with intact records after them: damage in the middle.</param>
/// <param name="Reason">What the first damage was, or null.</param>
internal readonly record struct ReplayResult(long GoodLength, long TornTailBytes, long DamagedBytes, string? Reason)
{
    public bool DamagedInTheMiddle => DamagedBytes > 0;
}

/// <summary>
/// Replays segment bytes into a <see cref="SegmentIndex"/>: appends are tracked, removals forget.
/// One replayer for opening the store and for read-only inspection, so both read a file the same way.
/// </summary>
internal static class SegmentReplayer
{
    public static ReplayResult Replay(SegmentFile segment, byte[] bytes, SegmentIndex index, ref long maxId)
    {
        long damagedBytes = 0;
        string? reason = null;
        var ids = new List<long>();
        long position = 0;
        long goodLength = 0;
        while (position < bytes.Length)
        {
            var length = RecordFrame.TryMeasure(bytes, position);
            if (length > 0 && Apply(bytes.AsSpan((int)position + RecordFrame.HeaderSize, length - RecordFrame.HeaderSize), segment, position, length, index, ids, ref maxId))
            {
                position += length;
                goodLength = position;
                continue;
            }

            var next = FindNextFrame(bytes, position + 1);
            if (next is null)
            {
                // Nothing intact follows: a tail torn or zero-filled by a power cut, not damage in the middle.
                var tail = bytes.Length - position;
                var what = IsZeros(bytes, position) ? "zero-filled tail" : "record cut short";
                var tornReason = reason ?? string.Create(CultureInfo.InvariantCulture, $"{what} at byte {position} of {bytes.Length}");
                return new ReplayResult(goodLength, tail, damagedBytes, tornReason);
            }

            reason ??= string.Create(CultureInfo.InvariantCulture, $"corrupt record at byte {position} of {bytes.Length}");
            damagedBytes += next.Value - position;
            position = next.Value;
        }

        return new ReplayResult(goodLength, 0, damagedBytes, reason);
    }

    private static bool Apply(ReadOnlySpan<byte> body, SegmentFile segment, long position, int length, SegmentIndex index, List<long> ids, ref long maxId)
    {
        if (RecordFrame.TryReadAppend(body, out var entry, out var payloadOffset))
        {
            maxId = Math.Max(maxId, entry.Id);
            index.Track(entry, segment, position + payloadOffset, length);
            return true;
        }

        ids.Clear();
        if (RecordFrame.TryReadRemove(body, ids))
        {
            foreach (var id in ids)
            {
                index.Forget(id);
            }

            return true;
        }

        return false;
    }

    private static bool IsZeros(byte[] bytes, long from) => bytes.AsSpan((int)from).IndexOfAnyExcept((byte)0) < 0;

    private static long? FindNextFrame(byte[] bytes, long from)
    {
        ReadOnlySpan<byte> magic = [0x45, 0x47, 0x4F, 0x42];
        var position = from;
        while (position < bytes.Length)
        {
            var found = bytes.AsSpan((int)position).IndexOf(magic);
            if (found < 0)
            {
                return null;
            }

            position += found;
            if (RecordFrame.TryMeasure(bytes, position) > 0)
            {
                return position;
            }

            position++;
        }

        return null;
    }
}
