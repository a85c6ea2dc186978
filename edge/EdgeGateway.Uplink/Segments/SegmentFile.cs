using System.Globalization;
using Microsoft.Win32.SafeHandles;

namespace EdgeGateway.Uplink.Segments;

/// <summary>
/// One append-only segment of the outbox: its file, its length and how much of it is still live.
/// An append that fails (a full disk, an I/O error) is cut back off the file, so the file and
/// <see cref="Length"/> always agree and the next append never leaves a hole.
/// </summary>
internal sealed class SegmentFile(int number, string path, SafeFileHandle handle, long length) : IDisposable
{
    public const string Prefix = "seg-";
    public const string Suffix = ".log";

    public int Number { get; } = number;

    public string Path { get; } = path;

    public SafeFileHandle Handle { get; } = handle;

    /// <summary>Bytes of intact records in the file; appends go here.</summary>
    public long Length { get; private set; } = length;

    /// <summary>Records in this segment not yet removed.</summary>
    public int Live { get; set; }

    public long LiveBytes { get; set; }

    public long DeadBytes => Length - LiveBytes;

    public bool IsClosed => Handle.IsClosed;

    public static SafeFileHandle OpenForReplay(string path) =>
        File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);

    public static SegmentFile Create(string directory, int number)
    {
        var path = System.IO.Path.Combine(directory, NameOf(number));
        var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        return new SegmentFile(number, path, handle, 0);
    }

    public static string NameOf(int number) => string.Create(CultureInfo.InvariantCulture, $"{Prefix}{number:D8}{Suffix}");

    /// <summary>The segment files in a store folder, oldest first.</summary>
    public static List<(int Number, string Path)> List(string directory)
    {
        var segments = new List<(int, string)>();
        foreach (var path in Directory.EnumerateFiles(directory, Prefix + "*" + Suffix))
        {
            var name = System.IO.Path.GetFileName(path);
            if (int.TryParse(name[Prefix.Length..^Suffix.Length], NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                segments.Add((number, path));
            }
        }

        segments.Sort((a, b) => a.Item1.CompareTo(b.Item1));
        return segments;
    }

    /// <summary>Appends <paramref name="bytes"/> at <see cref="Length"/>; returns where they start. On failure nothing changes.</summary>
    public long Append(ReadOnlySpan<byte> bytes)
    {
        var at = Length;
        if (bytes.IsEmpty)
        {
            return at;
        }

        try
        {
            RandomAccess.Write(Handle, bytes, at);
        }
        catch (IOException)
        {
            TryCut(at);
            throw;
        }

        Length = at + bytes.Length;
        return at;
    }

    /// <summary>Cuts the file back to <paramref name="length"/> (a rolled-back append, or a torn tail found on open).</summary>
    public void CutTo(long length)
    {
        RandomAccess.SetLength(Handle, length);
        Length = length;
    }

    public void Sync() => RandomAccess.FlushToDisk(Handle);

    public int Read(Span<byte> destination, long offset) => RandomAccess.Read(Handle, destination, offset);

    public void Dispose() => Handle.Dispose();

    private void TryCut(long length)
    {
        try
        {
            RandomAccess.SetLength(Handle, length);
        }
        catch (IOException)
        {
            // The next append overwrites from Length anyway; replay ignores anything past the last intact record.
        }
    }
}
