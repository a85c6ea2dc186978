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
