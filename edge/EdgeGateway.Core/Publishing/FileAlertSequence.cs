using System.Buffers.Binary;
using EdgeGateway.Core.Alerts;
using EdgeGateway.DurableFiles;

namespace EdgeGateway.Core.Publishing;

/// <summary>
/// A per-device sequence that survives power loss. It reserves numbers in blocks and syncs the
/// block's upper bound to disk before handing any of them out, so after a crash the sequence
/// skips ahead (gaps are allowed) but never repeats. The bound is written with
/// <see cref="DurableFile"/> (rename, then directory fsync); if that fails (a full disk), no number
/// past the bound on disk is handed out.
/// </summary>
public sealed class FileAlertSequence : IAlertSequence
{
    private const long BlockSize = 4096;
    private readonly string _path;
    private readonly Lock _gate = new();
    private long _next;
    private long _reservedUpTo;

    public FileAlertSequence(string dataDirectory)
    {
        Directory.CreateDirectory(dataDirectory);
        _path = Path.Combine(dataDirectory, "alert-sequence");
        _next = ReadReserved();
        _reservedUpTo = _next;
    }

    public long Take()
    {
        lock (_gate)
        {
            if (_next >= _reservedUpTo)
            {
                var bound = _next + BlockSize;
                WriteReserved(bound);
                _reservedUpTo = bound;
            }

            return _next++;
        }
    }

    private long ReadReserved()
    {
        if (!File.Exists(_path))
        {
            return 1;
        }

        var bytes = File.ReadAllBytes(_path);
        if (bytes.Length != sizeof(long))
        {
            throw new InvalidDataException(
                $"sequence file '{_path}' is {bytes.Length} bytes; expected {sizeof(long)}. Move it aside to reset the sequence.");
        }

        return BinaryPrimitives.ReadInt64LittleEndian(bytes);
    }

    private void WriteReserved(long value)
    {
        Span<byte> bytes = stackalloc byte[sizeof(long)];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, value);
        try
        {
            DurableFile.Write(_path, bytes);
        }
        catch (IOException ex)
        {
            throw new IOException($"cannot reserve alert sequence numbers in '{_path}': {ex.Message}", ex);
        }
    }
}
