using CloudRelay.Database;
using EdgeGateway.Contracts.Passwords;

namespace CloudRelay.Tests.Console;

/// <summary><c>cloud-relay operators</c> as a person runs it: the password from stdin, never printed, hashed as on the box.</summary>
[Trait("Category", "Integration")]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class OperatorsCommandTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("relay-operators-").FullName;

    private Task<(int Exit, string Stdout, string Stderr)> RunAsync(string? input, params string[] arguments) =>
        EncryptedRelayTests.RunAsync(TimeSpan.FromSeconds(60), "dotnet", input, [Path.Combine(AppContext.BaseDirectory, "cloud-relay.dll"), .. arguments, "--data-dir", _dataDir]);

    [Fact]
    public async Task Operators_are_added_from_stdin_listed_without_secrets_refused_with_one_line_and_removed()
    {
        const string Password = "district-7-watch";
        var added = await RunAsync(Password + "\n", "operators", "add", "--name", "li.wei", "--role", "operator");
        var viewer = await RunAsync("read-only-2026\n", "operators", "add", "--name", "zhang", "--role", "viewer");
        var taken = await RunAsync("another-password\n", "operators", "add", "--name", "li.wei", "--role", "admin");
        var weak = await RunAsync("short\n", "operators", "add", "--name", "wang", "--role", "viewer");
        var badRole = await RunAsync(Password + "\n", "operators", "add", "--name", "wang", "--role", "boss");
        var list = await RunAsync(null, "operators", "list");

        Assert.Equal((0, "{\"name\":\"li.wei\",\"role\":\"operator\"}"), (added.Exit, added.Stdout.Trim()));
        Assert.Equal(0, viewer.Exit);
        Assert.Equal((2, "cloud-relay: --name 'li.wei' is taken; expected a new operator name (remove the old one first)"), (taken.Exit, taken.Stderr.Trim()));
        Assert.Equal((2, "cloud-relay: the password is too weak; expected at least 8 characters"), (weak.Exit, weak.Stderr.Trim()));
        Assert.Equal((2, "cloud-relay: --role 'boss' is invalid; expected viewer, operator, admin"), (badRole.Exit, badRole.Stderr.Trim()));
        Assert.Equal(["li.wei", "zhang"], list.Stdout.Trim().Split('\n').Select(line => System.Text.Json.JsonDocument.Parse(line).RootElement.GetProperty("name").GetString()));
        foreach (var output in new[] { added, viewer, taken, weak, badRole, list })
        {
            Assert.DoesNotContain(Password, output.Stdout + output.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("pbkdf2", output.Stdout + output.Stderr, StringComparison.Ordinal);
        }

        // Stored as the box stores its technician password.
        await using (var store = new SqliteRelayStore(Path.Combine(_dataDir, "relay.db")))
        {
            var stored = (await store.FindOperatorAsync("li.wei", CancellationToken.None))!;
            Assert.StartsWith($"pbkdf2-sha512${PasswordHash.DefaultIterations}$", stored.PasswordHash, StringComparison.Ordinal);
            Assert.True(PasswordHash.Verify(Password, stored.PasswordHash));
        }

        var removed = await RunAsync(null, "operators", "remove", "--name", "zhang");
        var again = await RunAsync(null, "operators", "remove", "--name", "zhang");
        Assert.Equal((0, "removed"), (removed.Exit, removed.Stdout.Trim()));
        Assert.Equal((1, "cloud-relay: no operator named 'zhang'"), (again.Exit, again.Stderr.Trim()));
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dataDir, recursive: true);
    }
}
