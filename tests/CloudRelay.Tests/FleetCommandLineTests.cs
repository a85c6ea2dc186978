using System.Text.Json.Nodes;

namespace CloudRelay.Tests;

/// <summary><c>cloud-relay fleet config</c> as an operator runs it: its own process, on the relay's data folder.</summary>
[Trait("Category", "Integration")]
public sealed class FleetCommandLineTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("relay-fleet-cli-").FullName;

    [Fact]
    public async Task Set_show_and_clear_print_one_json_line_and_a_refused_layer_prints_its_lines_and_stores_nothing()
    {
        var good = Path.Combine(_dataDir, "good.json");
        var bad = Path.Combine(_dataDir, "bad.json");
        await File.WriteAllTextAsync(good, """{"Vision": {"FrameRate": 4}} // a comment, as gateway.json allows""");
        await File.WriteAllTextAsync(bad, """{"Device": {"Id": "other"}, "Vision": {"FrameRate": 4}, "Diagnostics": {"PasswordHash": "x"}}""");
        Assert.Equal(0, (await CommandLineTests.RunAsync("devices", "add", "--site", "s1", "--device", "box-1", "--data-dir", _dataDir)).Exit);

        var refused = await Fleet("set", "--target", "all", "--file", bad);
        var set = await Fleet("set", "--target", "site:s1", "--file", good);
        var shown = await Fleet("show", "--device", "s1/box-1");
        var cleared = await Fleet("clear", "--target", "site:s1");
        var shownAfter = await Fleet("show", "--device", "s1/box-1");
        var clearedAgain = await Fleet("clear", "--target", "site:s1");
        var unknown = await Fleet("show", "--device", "s1/nobody");

        Assert.NotEqual(0, refused.Exit);
        Assert.Empty(refused.Stdout);
        Assert.Equal(
            ["cloud-relay: fleet key 'Device' is refused; it can only be set in the box's own config file",
             "cloud-relay: fleet key 'Diagnostics:PasswordHash' is refused; it can only be set in the box's own config file"],
            refused.Stderr.TrimEnd().Split('\n'));
        Assert.Equal(0, set.Exit);
        Assert.Equal("""{"target":"site:s1","version":1}""", set.Stdout.TrimEnd());
        var desired = JsonNode.Parse(shown.Stdout)!["desired"]!;
        Assert.Equal(1, desired["version"]!.GetValue<long>());
        Assert.Equal("""{"Vision":{"FrameRate":4}}""", desired["document"]!.ToJsonString());
        Assert.Null(JsonNode.Parse(shown.Stdout)!["reported"]);
        Assert.Equal("""{"target":"site:s1","version":2}""", cleared.Stdout.TrimEnd());
        Assert.Equal(2, JsonNode.Parse(shownAfter.Stdout)!["desired"]!["version"]!.GetValue<long>());
        Assert.Equal("{}", JsonNode.Parse(shownAfter.Stdout)!["desired"]!["document"]!.ToJsonString());
        Assert.NotEqual(0, clearedAgain.Exit);
        Assert.Contains("target 'site:s1' has no fleet layer to clear", clearedAgain.Stderr, StringComparison.Ordinal);
        Assert.NotEqual(0, unknown.Exit);
        Assert.Contains("device 's1/nobody' is not registered", unknown.Stderr, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dataDir, recursive: true);
    }

    private Task<(int Exit, string Stdout, string Stderr)> Fleet(params string[] arguments) =>
        CommandLineTests.RunAsync(["fleet", "config", .. arguments, "--data-dir", _dataDir]);
}
