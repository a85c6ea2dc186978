using System.Diagnostics;
using System.Text.Json;
using EdgeGateway.Core;
using EdgeGateway.Elevator;
using EdgeGateway.Host.Gateway;
using EdgeGateway.Testing;
using EdgeGateway.Uplink.Configuration;
using EdgeGateway.Vision.Models;
using Microsoft.Extensions.Configuration;
using EdgeGateway.Core.Configuration;

namespace EdgeGateway.Host.Tests.Setup;

/// <summary>
/// Every verb reads its config through the one loader: the file, then EDGEGW_* variables, then the flags given.
/// Each case runs the real edgegw program, because environment variables belong to a process.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ConfigLoaderTests : IDisposable
{
    private readonly TempDir _dir = new();

    [Fact]
    public async Task Models_cache_comes_from_the_file_then_the_environment_then_a_given_flag()
    {
        var config = WriteConfig(new { Device = new { Id = "box-1", Site = "site-1" }, Models = new { CacheDir = _dir.File("from-file") } });
        string[] fetch = ["models", "fetch", "--model", "yolox-nano-coco80", "--config", config];

        var fromFile = await EdgegwAsync(fetch);
        var fromEnvironment = await EdgegwAsync(fetch, ("EDGEGW_Models__CacheDir", _dir.File("from-env")));
        var fromFlag = await EdgegwAsync([.. fetch, "--models-dir", _dir.File("from-flag")], ("EDGEGW_Models__CacheDir", _dir.File("from-env")));

        Assert.True(fromFile.Exit == 0, fromFile.Output);
        Assert.Contains(_dir.File("from-file"), fromFile.Output, StringComparison.Ordinal);
        Assert.True(fromEnvironment.Exit == 0, fromEnvironment.Output);
        Assert.Contains(_dir.File("from-env"), fromEnvironment.Output, StringComparison.Ordinal);
        Assert.True(fromFlag.Exit == 0, fromFlag.Output);
        Assert.Contains(_dir.File("from-flag"), fromFlag.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Models_live_under_the_data_folder_when_no_cache_folder_is_set()
    {
        var config = WriteConfig(new { Device = new { Id = "box-1", Site = "site-1" } });

        var (exit, output) = await EdgegwAsync(["models", "fetch", "--model", "yolox-nano-coco80", "--config", config], ("EDGEGW_Storage__DataDir", _dir.File("data")));

        Assert.True(exit == 0, output);
        Assert.Contains(Path.Combine(_dir.File("data"), "models", "yolox-nano-coco80"), output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Maintenance_checkin_takes_the_data_folder_from_the_environment_over_the_file()
    {
        var config = WriteConfig(new { Storage = new { DataDir = _dir.File("from-file") } });

        var (exit, output) = await EdgegwAsync(["maintenance", "checkin", "--config", config, "--technician", "Wang Wei"], ("EDGEGW_Storage__DataDir", _dir.File("from-env")));

        Assert.True(exit == 0, output);
        using var line = JsonDocument.Parse(output.Trim().Split('\n')[^1]);
        Assert.StartsWith(_dir.File("from-env"), line.RootElement.GetProperty("log").GetString(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(_dir.File("from-file")));
    }

    [Fact]
    public async Task Outbox_verbs_use_the_data_folder_the_environment_names()
    {
        var config = WriteConfig(new { Device = new { Id = "box-1", Site = "site-1" } });
        var data = ("EDGEGW_Storage__DataDir", _dir.File("data"));

        var inject = await EdgegwAsync(["outbox", "inject", "--config", config, "--count", "3"], data);
        var stats = await EdgegwAsync(["outbox", "stats", "--config", config], data);

        Assert.True(inject.Exit == 0, inject.Output);
        Assert.True(stats.Exit == 0, stats.Output);
        using var json = JsonDocument.Parse(stats.Output.Trim().Split('\n')[^1]);
        Assert.Equal(3, json.RootElement.GetProperty("total").GetInt32());
        Assert.True(Directory.Exists(Path.Combine(_dir.File("data"), "outbox")));
    }

    [Fact]
    public async Task Doctor_reads_the_environment_as_run_does()
    {
        var config = WriteConfig(new { Device = new { Id = "box-1", Site = "site-1" } });

        var (_, output) = await EdgegwAsync(["doctor", "--config", config], ("EDGEGW_Storage__DataDir", _dir.File("data")));

        var disk = Assert.Single(output.Split('\n'), l => l.Contains("│ disk", StringComparison.Ordinal));
        Assert.Contains($"at {_dir.File("data")}", disk, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_broken_config_file_is_one_line_naming_the_file_and_line_for_every_verb()
    {
        var config = _dir.File("broken.json");
        await File.WriteAllTextAsync(config, "{\n  \"Storage\": { \"DataDir\": \"/tmp\" \n}");

        foreach (var verb in new[] { new[] { "run" }, ["outbox", "stats"], ["maintenance", "checkin", "--technician", "x"] })
        {
            var (exit, output) = await EdgegwAsync([.. verb, "--config", config]);

            Assert.NotEqual(0, exit);
            Assert.Contains($"config file '{config}' line", output, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Replay_prints_each_alerts_platform_code_from_the_config_and_refuses_a_bad_one_in_one_line()
    {
        var scenario = RepoPaths.Seeds("scenarios", "door_lock_open.jsonl");
        var config = WriteConfig(new { Elevator = new { Codes = new Dictionary<string, string> { ["door_lock_open"] = "DL-1" } } });

        var (exit, output) = await EdgegwAsync(["replay", "--scenario", scenario, "--config", config]);

        Assert.Equal(0, exit);
        Assert.Equal(
            ["""{"t":11.0,"kind":"door_lock_open","state":"raised","floor":1,"severity":"major","code":"DL-1"}""",
             """{"t":20.0,"kind":"door_lock_open","state":"cleared","floor":1,"severity":"major","code":"DL-1"}"""],
            output.Trim().Split('\n'));

        var bad = WriteConfig(new { Elevator = new { Codes = new Dictionary<string, string> { ["door_lock_open"] = "D L" } } });
        (exit, output) = await EdgegwAsync(["replay", "--scenario", scenario, "--config", bad]);
        Assert.Equal(2, exit);
        Assert.Equal("error: Elevator:Codes:door_lock_open = 'D L': expected a platform code of 1 to 32 letters, digits, '-', '_' or '.'", output.Trim());
    }

    public void Dispose() => _dir.Dispose();

    private string WriteConfig(object content)
    {
        var path = _dir.File($"gateway-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, JsonSerializer.Serialize(content));
        return path;
    }

    /// <summary>Runs edgegw from beside the tests with the given environment; stdout and stderr together.</summary>
    private static async Task<(int Exit, string Output)> EdgegwAsync(string[] arguments, params (string Name, string Value)[] environment)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "edgegw.dll"), .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}

/// <summary>The defaults every verb shares, from the one paths owner.</summary>
[Trait("Category", "Unit")]
public sealed class GatewayDefaultsTests
{
    [Fact]
    public void Without_settings_data_lives_in_var_lib_edgegw_and_models_under_it()
    {
        var empty = new ConfigurationBuilder().Build();

        Assert.Equal("/var/lib/edgegw", new StorageOptions().DataDir);
        Assert.Equal("/var/lib/edgegw", StorageOptions.DataDirIn(empty));
        Assert.Equal("/var/lib/edgegw/models", GatewayPaths.ModelsCacheDir(null, null, checkoutRoot: null));
        Assert.Equal("/srv/box/models", ModelStoreOptions.From(new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Storage:DataDir"] = "/srv/box" }).Build()).CacheDir);
        Assert.Equal("/cache", ModelStoreOptions.From(new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Storage:DataDir"] = "/srv/box", ["Models:CacheDir"] = "/cache" }).Build()).CacheDir);
    }

    [Fact]
    public void The_edge_binary_does_not_contain_the_relay()
    {
        var references = typeof(GatewayApp).Assembly.GetReferencedAssemblies().Select(a => a.Name).ToList();

        Assert.DoesNotContain("cloud-relay", references);
        Assert.Contains("EdgeGateway.Uplink", references);

        // The published dependency list of the checkout's build says the same, when there is one.
        foreach (var configuration in new[] { "Release", "Debug" })
        {
            var deps = Path.Combine(RepoPaths.Root, "edge", "EdgeGateway.Host", "bin", configuration, "net10.0", "edgegw.deps.json");
            if (File.Exists(deps))
            {
                Assert.DoesNotContain("cloud-relay", File.ReadAllText(deps), StringComparison.OrdinalIgnoreCase);
            }
        }
    }
}
