using System.Globalization;
using System.Runtime.InteropServices;

namespace EdgeGateway.DurableFiles;

/// <summary>
/// Hands files an installer wrote as root to the service's own system user, so a service that runs
/// as that user (<c>User=edgegw</c>) can read its config and keys and write its state.
/// </summary>
public static partial class FileOwnership
{
    /// <summary>
    /// When this process is root and <paramref name="user"/> is a local user, makes it the owner (and
    /// its primary group the group) of each path, folders with everything in them. Returns the paths
    /// it changed; nothing when not root or when there is no such user (a development checkout).
    /// </summary>
    public static IReadOnlyList<string> GiveToServiceUser(string user, IEnumerable<string> paths, string passwdFile = "/etc/passwd")
    {
        ArgumentNullException.ThrowIfNull(paths);
        if (!Environment.IsPrivilegedProcess || OperatingSystem.IsWindows() || FindUser(user, passwdFile) is not { } ids)
        {
            return [];
        }

        var changed = new List<string>();
        foreach (var path in paths.Distinct(StringComparer.Ordinal))
        {
            if (Directory.Exists(path))
            {
                Change(path, ids, changed);
                foreach (var entry in Directory.EnumerateFileSystemEntries(path, "*", SearchOption.AllDirectories))
                {
                    Change(entry, ids, changed);
                }
            }
            else if (File.Exists(path))
            {
                Change(path, ids, changed);
            }
        }

        return changed;
    }

    /// <summary>The user's uid and primary gid from a passwd file, or null.</summary>
    public static (uint Uid, uint Gid)? FindUser(string user, string passwdFile = "/etc/passwd")
    {
        if (!File.Exists(passwdFile))
        {
            return null;
        }

        foreach (var line in File.ReadLines(passwdFile))
        {
            var fields = line.Split(':');
            if (fields.Length >= 4 && fields[0] == user
                && uint.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var uid)
                && uint.TryParse(fields[3], NumberStyles.None, CultureInfo.InvariantCulture, out var gid))
            {
                return (uid, gid);
            }
        }

        return null;
    }

    private static void Change(string path, (uint Uid, uint Gid) ids, List<string> changed)
    {
        // lchown: a symbolic link is re-owned itself, never what it points to.
        if (Lchown(path, ids.Uid, ids.Gid) != 0)
        {
            throw new IOException($"cannot give {path} to uid {ids.Uid}: errno {Marshal.GetLastPInvokeError()}");
        }

        changed.Add(path);
    }

    [LibraryImport("libc", EntryPoint = "lchown", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Lchown(string path, uint owner, uint group);
}
