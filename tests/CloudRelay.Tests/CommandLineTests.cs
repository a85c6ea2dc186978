using System.Diagnostics;
using System.Text.Json;

namespace CloudRelay.Tests;

[Trait("Category", "Integration")]
public sealed class CommandLineTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("relay-cli-").FullName;

    [Fact]
    public async Task Devices_add_prints_credentials_once_and_claim_code_prints_a_one_time_code()
    {
        var (addCode, added, _) = await RunAsync("devices", "add", "--site", "site-1", "--device", "box-1", "--data-dir", _dataDir);
        var (claimExit, claim, _) = await RunAsync("devices", "claim-code", "--site", "site-1", "--device", "box-2", "--data-dir", _dataDir);
        var (_, list, _) = await RunAsync("devices", "list", "--data-dir", _dataDir);

        Assert.Equal(0, addCode);
        using var json = JsonDocument.Parse(added);
        Assert.Equal("site-1/box-1", json.RootElement.GetProperty("username").GetString());
        Assert.True(json.RootElement.GetProperty("password").GetString()!.Length >= 43);
        Assert.Equal(0, claimExit);
        Assert.Matches("^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$", claim.Trim());
        Assert.Equal(2, list.Trim().Split('\n').Length);
        Assert.DoesNotContain(json.RootElement.GetProperty("password").GetString()!, list, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_input_ends_with_one_clear_line_and_exit_code_2()
    {
        var (badName, _, nameError) = await RunAsync("devices", "add", "--site", "bad/site", "--device", "d", "--data-dir", _dataDir);
        var (badDb, _, dbError) = await RunAsync("devices", "list", "--db", "mysql://x", "--data-dir", _dataDir);

        Assert.Equal(2, badName);
        Assert.Contains("site 'bad/site' is invalid", nameError, StringComparison.Ordinal);
        Assert.Single(nameError.Trim().Split('\n'));
        Assert.Equal(2, badDb);
        Assert.Contains("Relay:Db 'mysql://x' is not supported", dbError, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", nameError + dbError, StringComparison.Ordinal);
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task An_operator_password_comes_from_a_private_file_or_stdin_never_from_a_flag()
    {
        const string Password = "district-7-watch";
        var (flagged, _, flagError) = await OperatorsAddAsync(null, "li.wei", "--password", Password);
        var shared = Path.Combine(_dataDir, "shared-password");
        await File.WriteAllTextAsync(shared, Password + "\n");
        File.SetUnixFileMode(shared, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        var (exposed, _, exposedError) = await OperatorsAddAsync(null, "li.wei", "--password-file", shared);
        var (both, _, bothError) = await OperatorsAddAsync(Password + "\n", "li.wei", "--password-file", shared, "--password-stdin");

        Assert.Equal(2, flagged);
        Assert.Equal(
            "cloud-relay: --password is refused: a password on the command line is visible to every user of this machine (/proc/*/cmdline); use --password-file FILE (mode 600), --password-stdin or the prompt",
            flagError.Trim());
        Assert.Equal(2, exposed);
        Assert.Equal($"cloud-relay: --password-file = '{shared}': the file is mode 640, so other users can read it; expected mode 600 (`chmod 600 {shared}`)", exposedError.Trim());
        Assert.Equal(2, both);
        Assert.Equal("cloud-relay: --password-file and --password-stdin are both given; expected one of them", bothError.Trim());

        File.SetUnixFileMode(shared, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var (fromFile, added, _) = await OperatorsAddAsync(null, "li.wei", "--password-file", shared);
        var (fromStdin, _, _) = await OperatorsAddAsync("read-only-2026\n", "zhang", "--password-stdin");
        var (_, list, _) = await RunAsync("operators", "list", "--data-dir", _dataDir);

        Assert.Equal((0, "{\"name\":\"li.wei\",\"role\":\"viewer\"}"), (fromFile, added.Trim()));
        Assert.Equal(0, fromStdin);
        Assert.Equal(2, list.Trim().Split('\n').Length);
        Assert.DoesNotContain(Password, flagError + exposedError + bothError + added + list, StringComparison.Ordinal);
    }

    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    private Task<(int Exit, string Stdout, string Stderr)> OperatorsAddAsync(string? input, string name, params string[] password) =>
        EncryptedRelayTests.RunAsync(
            TimeSpan.FromSeconds(60), "dotnet", input,
            [Path.Combine(AppContext.BaseDirectory, "cloud-relay.dll"), "operators", "add", "--name", name, "--role", "viewer", .. password, "--data-dir", _dataDir]);

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dataDir, recursive: true);
    }

    internal static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "cloud-relay.dll"), .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout, await stderr);
    }
}
