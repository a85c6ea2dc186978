using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using EdgeGateway.Core.Outbox;
using EdgeGateway.DurableFiles;

namespace EdgeGateway.Uplink.Segments;

/// <summary>A record the far end would not take, parked out of the queue.</summary>
/// <param name="Entry">The record as it was queued (its class, alert id, enqueue time, size).</param>
/// <param name="Reason">Why it was parked, e.g. the broker's PUBACK reason.</param>
/// <param name="ParkedAt">When.</param>
/// <param name="File">The file that holds it.</param>
public sealed record DeadLetter(OutboxEntry Entry, string Reason, DateTimeOffset ParkedAt, string File);

/// <summary>
/// The dead-letter class on disk: <c>{store}/dead-letters/{id}.letter</c>, one file per record,
/// each the record's own CRC-framed append followed by a note frame (reason, time). Written with
/// <see cref="DurableFile"/> before the record leaves the queue, so a power cut loses neither.
/// </summary>
public sealed class DeadLetterBox(string storeDirectory)
{
    public const string FolderName = "dead-letters";
    private const string Suffix = ".letter";
    private const byte NoteKind = 3;
    private const string DroppedFile = "dropped";

    public string Directory { get; } = Path.Combine(storeDirectory, FolderName);

    public int Count => System.IO.Directory.Exists(Directory) ? System.IO.Directory.GetFiles(Directory, "*" + Suffix).Length : 0;

    public long Bytes => System.IO.Directory.Exists(Directory)
        ? new DirectoryInfo(Directory).GetFiles("*" + Suffix).Sum(f => f.Length)
        : 0;

    public string Park(OutboxEntry entry, ReadOnlySpan<byte> payload, string reason, DateTimeOffset at)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var buffer = new ArrayBufferWriter<byte>(payload.Length + 256);
        RecordFrame.WriteAppend(buffer, entry, payload);
        var note = Encoding.UTF8.GetBytes(reason);
        var body = new byte[1 + 8 + note.Length];
        body[0] = NoteKind;
        BinaryPrimitives.WriteInt64LittleEndian(body.AsSpan(1), at.ToUnixTimeMilliseconds());
        note.CopyTo(body, 9);
        RecordFrame.WriteRaw(buffer, body);
        var path = PathOf(entry.Id);
        DurableFile.Write(path, buffer.WrittenSpan);
        return path;
    }

    public IReadOnlyList<DeadLetter> List()
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return [];
        }

        var letters = new List<DeadLetter>();
        foreach (var path in System.IO.Directory.GetFiles(Directory, "*" + Suffix).Order(StringComparer.Ordinal))
        {
            if (TryRead(path, out var letter, out _))
            {
                letters.Add(letter);
            }
        }

        return letters;
    }

    public long MaxId() => List().Select(l => l.Entry.Id).DefaultIfEmpty(0).Max();

    /// <summary>Dead letters deleted for good by <see cref="Drop"/> over the store's life.</summary>
    public long Dropped
    {
        get
        {
            try
            {
                return long.TryParse(File.ReadAllText(DroppedPath).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var dropped) ? dropped : 0;
            }
            catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
            {
                return 0;
            }
        }
    }

    /// <summary>Deletes dead letters for good and adds them to <see cref="Dropped"/> (counted first, so a crash never loses the count).</summary>
    public int Drop(IReadOnlyCollection<DeadLetter> letters)
    {
        ArgumentNullException.ThrowIfNull(letters);
        if (letters.Count == 0)
        {
            return 0;
        }

        var existing = letters.Where(l => File.Exists(l.File)).ToList();
        DurableFile.Write(DroppedPath, Encoding.ASCII.GetBytes((Dropped + existing.Count).ToString(CultureInfo.InvariantCulture)));
        foreach (var letter in existing)
        {
            File.Delete(letter.File);
        }

        DurableFile.SyncDirectory(Directory);
        return existing.Count;
    }

    /// <summary>Reads one dead letter and its payload; false (with a reason) if the file is damaged.</summary>
    public static bool TryRead(string path, out DeadLetter letter, out byte[] payload)
    {
        letter = null!;
        payload = [];
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (IOException)
        {
            return false;
        }

        var first = RecordFrame.TryMeasure(bytes, 0);
        if (first == 0 || !RecordFrame.TryReadAppend(bytes.AsSpan(RecordFrame.HeaderSize, first - RecordFrame.HeaderSize), out var entry, out var payloadOffset))
        {
            return false;
        }

        payload = bytes.AsSpan(payloadOffset, entry.Size).ToArray();
        var second = RecordFrame.TryMeasure(bytes, first);
        var reason = "unknown";
        var at = DateTimeOffset.UnixEpoch;
        if (second > 0)
        {
            var body = bytes.AsSpan(first + RecordFrame.HeaderSize, second - RecordFrame.HeaderSize);
            if (body.Length >= 9 && body[0] == NoteKind)
            {
                at = DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64LittleEndian(body[1..]));
                reason = Encoding.UTF8.GetString(body[9..]);
            }
        }

        letter = new DeadLetter(entry, reason, at, path);
        return true;
    }

    private string DroppedPath => Path.Combine(Directory, DroppedFile);

    public string PathOf(long id) => Path.Combine(Directory, string.Create(CultureInfo.InvariantCulture, $"{id:D12}{Suffix}"));
}
