using System.Diagnostics;
using Xunit;

namespace EdgeGateway.Testing;

/// <summary>
/// A real small filesystem for drills: a loop-mounted ext4 image of a few MiB (no blocks reserved
/// for root, so a test run as root meets the same ENOSPC as the box's service user), unmounted and
/// deleted on dispose. <see cref="TryMount"/> says why when this machine cannot mount (not root,
/// no loop devices), so the drill can skip with that reason, or fail with it where drills are required
/// (<see cref="LoopMount.RequireVariable"/>).
/// </summary>
public sealed class SmallDisk : IDisposable
{
    private readonly string _root;

    private SmallDisk(string root)
    {
        _root = root;
        Path = System.IO.Path.Combine(root, "mnt");
    }

    public string Path { get; }

    public static SmallDisk? TryMount(int megabytes, out string? whyNot)
    {
        whyNot = LoopMount.WhyNot();
        if (whyNot is not null)
        {
            return null;
        }

        var root = Directory.CreateTempSubdirectory("edgegw-smalldisk-").FullName;
        var disk = new SmallDisk(root);
        Directory.CreateDirectory(disk.Path);
        var image = System.IO.Path.Combine(root, "disk.img");
        using (var file = File.Create(image))
        {
            file.SetLength(megabytes * 1024L * 1024L);
        }

        foreach (var (command, arguments) in new[] { ("mkfs.ext4", $"-q -F -m 0 {image}"), ("mount", $"-o loop {image} {disk.Path}") })
        {
            var (code, output) = Run(command, arguments);
            if (code != 0)
            {
                whyNot = $"{command} failed ({output.Trim()})";
                Directory.Delete(root, recursive: true);
                return null;
            }
        }

        return disk;
    }

    public long FreeBytes => new DriveInfo(Path).AvailableFreeSpace;

    /// <summary>Where <see cref="Fill"/> puts its ballast (another program filling the disk).</summary>
    public string BallastPath => System.IO.Path.Combine(Path, "ballast.bin");

    /// <summary>
    /// Fills the disk with a ballast file until at most <paramref name="leaveBytes"/> stay free (0: until
    /// the filesystem says ENOSPC), as another program on the box would. Returns the bytes added.
    /// </summary>
    public long Fill(long leaveBytes = 0)
    {
        long added = 0;
        var chunk = new byte[4096];
        using var ballast = new FileStream(BallastPath, FileMode.Append, FileAccess.Write, FileShare.Read, 1, FileOptions.None);
        while (leaveBytes == 0 || FreeBytes > leaveBytes)
        {
            var size = leaveBytes == 0 ? chunk.Length : (int)Math.Min(chunk.Length, Math.Max(1, FreeBytes - leaveBytes));
            try
            {
                ballast.Write(chunk, 0, size);
                ballast.Flush();
            }
            catch (IOException)
            {
                break; // ENOSPC: full.
            }

            added += size;
        }

        return added;
    }

    /// <summary>Deletes the ballast: the space comes back.</summary>
    public void Empty() => File.Delete(BallastPath);

    public void Dispose()
    {
        // A process that just closed its files may hold the mount for a moment; never leave it mounted.
        var unmounted = false;
        for (var attempt = 0; attempt < 20 && !unmounted; attempt++)
        {
            unmounted = Run("umount", Path).Code == 0 || !IsMounted();
            if (!unmounted)
            {
                Thread.Sleep(100);
            }
        }

        if (!unmounted)
        {
            Run("umount", $"-l {Path}");
        }

        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // Left for the temp folder cleaner.
        }
    }

    private bool IsMounted() => File.ReadAllText("/proc/mounts").Contains($" {Path} ", StringComparison.Ordinal);

    private static (int Code, string Output) Run(string command, string arguments)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(command, arguments)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            })!;
            var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, output);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return (-1, ex.Message);
        }
    }
}

/// <summary>
/// A fact that needs loop mounts: skipped, with the reason, where this machine cannot mount (not root, no loop devices);
/// run regardless where drills are required, so that it fails with the reason instead.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class LoopMountFactAttribute : FactAttribute
{
    public LoopMountFactAttribute() => Skip = LoopMount.SkipReason();
}

/// <summary>A theory that needs loop mounts, skipped like <see cref="LoopMountFactAttribute"/>.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class LoopMountTheoryAttribute : TheoryAttribute
{
    public LoopMountTheoryAttribute() => Skip = LoopMount.SkipReason();
}

public static class LoopMount
{
    /// <summary>
    /// Set to 1 where the drills must run (CI, as root): a drill that cannot mount then fails with the reason
    /// instead of skipping, so the full-disk and torn-tail coverage cannot vanish from a run unseen.
    /// </summary>
    public const string RequireVariable = "EDGEGW_REQUIRE_DRILLS";

    public static bool Required => Environment.GetEnvironmentVariable(RequireVariable) == "1";

    /// <summary>Why this machine cannot mount a loop ext4, or null when it can.</summary>
    public static string? WhyNot() =>
        !OperatingSystem.IsLinux() ? "loop-mounted ext4 drills need Linux"
        : !string.Equals(Environment.UserName, "root", StringComparison.Ordinal) ? "loop-mounted ext4 drills need root to mount (CI runs them as root)"
        : !File.Exists("/dev/loop-control") ? "loop-mounted ext4 drills need /dev/loop-control (no loop devices in this container)"
        : null;

    /// <summary>The skip reason for a drill: none where drills are required (it runs and fails with <see cref="WhyNot"/>).</summary>
    public static string? SkipReason() => Required ? null : WhyNot() is { } why ? $"{why}; set {RequireVariable}=1 to fail instead of skipping" : null;
}
