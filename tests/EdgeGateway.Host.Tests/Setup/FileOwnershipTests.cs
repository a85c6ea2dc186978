using System.Diagnostics;
using System.Globalization;
using EdgeGateway.DurableFiles;

namespace EdgeGateway.Host.Tests.Setup;

/// <summary>What provision run as root leaves behind must belong to the user the service runs as.</summary>
[Trait("Category", "Unit")]
public sealed class FileOwnershipTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_user_is_found_by_name_in_the_passwd_file_and_an_unknown_one_is_not()
    {
        var passwd = _dir.File("passwd");
        File.WriteAllLines(passwd, ["root:x:0:0:root:/root:/bin/bash", "edgegw:x:998:997:EdgeGateway service:/var/lib/edgegw:/usr/sbin/nologin", "broken:x:abc"]);

        Assert.Equal((998u, 997u), FileOwnership.FindUser("edgegw", passwd));
        Assert.Null(FileOwnership.FindUser("edge", passwd));
        Assert.Null(FileOwnership.FindUser("broken", passwd));
        Assert.Null(FileOwnership.FindUser("edgegw", _dir.File("missing")));
    }

    [Fact]
    public void As_root_a_folder_and_a_file_are_given_to_the_user_with_everything_in_them_and_others_are_left_alone()
    {
        var data = Directory.CreateDirectory(_dir.File("data")).FullName;
        Directory.CreateDirectory(Path.Combine(data, "models", "yolox"));
        File.WriteAllText(Path.Combine(data, "models", "yolox", "model.onnx"), "weights");
        var config = _dir.File("gateway.json");
        File.WriteAllText(config, "{}");
        var other = _dir.File("not-provisioned.txt");
        File.WriteAllText(other, "x");
        var nobody = FileOwnership.FindUser("nobody")!.Value;

        var changed = FileOwnership.GiveToServiceUser("nobody", [data, config, _dir.File("never-written.key")]);

        if (!Environment.IsPrivilegedProcess)
        {
            // Not root: nothing can be given away, and nothing is tried.
            Assert.Empty(changed);
            return;
        }

        Assert.Equal(5, changed.Count);
        foreach (var path in new[] { data, Path.Combine(data, "models", "yolox", "model.onnx"), config })
        {
            Assert.Equal($"{nobody.Uid}:{nobody.Gid}", Owner(path));
        }

        Assert.Equal("0:0", Owner(other));
        Assert.Empty(FileOwnership.GiveToServiceUser("no-such-user-here", [config]));
    }

    private static string Owner(string path)
    {
        using var stat = Process.Start(new ProcessStartInfo("stat", ["-c", "%u:%g", path]) { RedirectStandardOutput = true })!;
        var owner = stat.StandardOutput.ReadToEnd().Trim();
        stat.WaitForExit();
        return owner.ToString(CultureInfo.InvariantCulture);
    }
}
