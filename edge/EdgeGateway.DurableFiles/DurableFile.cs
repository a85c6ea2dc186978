using System.Runtime.InteropServices;

namespace EdgeGateway.DurableFiles;

/// <summary>
/// The one rule for small files that must survive a power cut: write a temporary file next to the
/// target, fsync it, rename it over the target, then fsync the directory so the new name is on
/// disk too. A failed write (a full disk) deletes its temporary file and leaves the old file as it was.
/// </summary>
public static partial class DurableFile
{
    /// <summary>Owner read and write only, for files that hold secrets.</summary>
    public const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Owner read and write, everyone else read.</summary>
    public const UnixFileMode Shared = Private | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>Replaces <paramref name="path"/> with <paramref name="contents"/>, durably and atomically.</summary>
    /// <param name="mode">The file's mode, set when the temporary file is created (never narrowed later).</param>
    /// <param name="sync">False skips both fsyncs (the rename stays atomic, only its durability is deferred).</param>
    public static void Write(string path, ReadOnlySpan<byte> contents, UnixFileMode mode = Shared, bool sync = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full)!;

        // A name of its own, so two processes writing one file never collide.
        var temporary = Path.Combine(directory, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = mode;
        }

        try
        {
            using (var stream = new FileStream(temporary, options))
            {
                stream.Write(contents);
                stream.Flush(flushToDisk: sync);
            }

            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temporary, mode); // The umask may have narrowed it.
            }

            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }

        if (sync)
        {
            SyncDirectory(directory);
        }
    }

    /// <summary>
    /// Fsyncs a directory, so a file just created, renamed or removed in it survives power loss.
    /// Linux only; elsewhere it does nothing. Throws when the directory cannot be synced.
    /// </summary>
    public static void SyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var fd = Open(directory, 0);
        if (fd < 0)
        {
            throw new IOException($"cannot open directory '{directory}' to sync it (errno {Marshal.GetLastPInvokeError()})");
        }

        try
        {
            if (Fsync(fd) != 0)
            {
                throw new IOException($"cannot sync directory '{directory}' (errno {Marshal.GetLastPInvokeError()})");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort: a leftover temporary file is harmless and is never read.
        }
        catch (UnauthorizedAccessException)
        {
            // As above.
        }
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
