using System.Diagnostics;

namespace EdgeGateway.Uplink.Tests;

/// <summary>
/// A real small filesystem for drills: a loop-mounted ext4 image of a few MiB, unmounted and
/// deleted on dispose. <see cref="TryMount"/> says why when this machine cannot mount (not root,
/// no loop devices), so the drill can skip with that reason.
/// </summary>
internal sealed class SmallDisk : IDisposable
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
        whyNot = null;
        if (!OperatingSystem.IsLinux())
        {
            whyNot = "loop mounts need Linux";
            return null;
        }

        if (!string.Equals(Environment.UserName, "root", StringComparison.Ordinal) && Run("id", "-u").Output.Trim() != "0")
        {
            whyNot = "mounting a loop ext4 needs root (CI runs as root)";
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

        foreach (var (command, arguments) in new[] { ("mkfs.ext4", $"-q -F {image}"), ("mount", $"-o loop {image} {disk.Path}") })
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

    public void Dispose()
    {
        Run("umount", Path);
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // Still mounted (a process holds it): leave it for the temp folder cleaner.
        }
    }

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

/// <summary>A fact that needs loop mounts: skipped, with the reason, where this machine cannot mount (not root, no loop devices).</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class LoopMountFactAttribute : FactAttribute
{
    public LoopMountFactAttribute()
    {
        if (!OperatingSystem.IsLinux())
        {
            Skip = "loop-mounted ext4 drills need Linux";
        }
        else if (!string.Equals(Environment.UserName, "root", StringComparison.Ordinal))
        {
            Skip = "loop-mounted ext4 drills need root to mount (CI runs them as root)";
        }
        else if (!File.Exists("/dev/loop-control"))
        {
            Skip = "loop-mounted ext4 drills need /dev/loop-control (no loop devices in this container)";
        }
    }
}
