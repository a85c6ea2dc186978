using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using EdgeGateway.Elevator;
using EdgeGateway.Elevator.Bench;
using EdgeGateway.Elevator.Maintenance;
using EdgeGateway.Elevator.Replay;
using EdgeGateway.Host.Configuration;
using Microsoft.Extensions.Configuration;
using EdgeGateway.Core.Configuration;

namespace EdgeGateway.Host.Commands;

/// <summary>The elevator verbs of edgegw: replay, maintenance checkin, bench elevator.</summary>
internal static class ElevatorCommands
{
    private static readonly JsonSerializerOptions JsonOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void Register(RootCommand root, Command bench)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(bench);
        root.Subcommands.Add(ReplayCommand());
        root.Subcommands.Add(MaintenanceCommand());
        bench.Subcommands.Add(BenchCommand());
    }

    private static Command ReplayCommand()
    {
        var scenario = new Option<FileInfo>("--scenario") { Description = "Scenario file (JSON Lines, t in seconds)", Required = true };
        var config = GatewayConfigLoader.ConfigOption("Gateway config file (JSON); its Elevator section sets the building and timings");
        var command = new Command("replay", "Replays an elevator scenario through the fault machine in virtual time; prints one JSON line per alert");
        command.Options.Add(scenario);
        command.Options.Add(config);
        command.SetAction((parseResult, _) =>
        {
            var file = parseResult.GetValue(scenario)!;
            if (!file.Exists)
            {
                return Fail($"--scenario {file.FullName}: file not found");
            }

            try
            {
                var options = LoadOptions(LoadConfiguration(parseResult, config));
                using var reader = new StreamReader(file.FullName);
                var stdout = Console.Out;
                ScenarioReplayer.Run(reader, options, alert => stdout.WriteLine(alert.ToJsonLine()));
                stdout.Flush();
                return Task.FromResult(0);
            }
            catch (ScenarioException ex)
            {
                return Fail($"{file.Name}: {ex.Message}");
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ConfigException)
            {
                return Fail(ex.Message);
            }
        });
        return command;
    }

    private static Command MaintenanceCommand()
    {
        var config = GatewayConfigLoader.ConfigOption("Gateway config file (JSON); Storage:DataDir says where the log lives");
        var technician = new Option<string>("--technician") { Description = "Name of the technician on site", Required = true };
        var checkin = new Command("checkin", "Records a maintenance visit durably; clears maintenance_overdue");
        checkin.Options.Add(config);
        checkin.Options.Add(technician);
        checkin.SetAction((parseResult, _) =>
        {
            try
            {
                var configuration = LoadConfiguration(parseResult, config);
                var log = new MaintenanceLog(StorageOptions.DataDirIn(configuration));
                var visit = log.CheckIn(parseResult.GetValue(technician)!, TimeProvider.System.GetUtcNow());
                Console.Out.WriteLine(JsonSerializer.Serialize(new Dictionary<string, string>
                {
                    ["checked_in"] = visit.At.ToString("O", CultureInfo.InvariantCulture),
                    ["technician"] = visit.Technician,
                    ["log"] = log.Path,
                }, JsonOptions));
                return Task.FromResult(0);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or ConfigException)
            {
                return Fail(ex.Message);
            }
        });
        var maintenance = new Command("maintenance", "Elevator maintenance records");
        maintenance.Subcommands.Add(checkin);
        return maintenance;
    }

    private static Command BenchCommand()
    {
        var trips = new Option<int>("--trips") { Description = "Number of simulated trips (about 700 sensor events each)", DefaultValueFactory = _ => 2_000 };
        var command = new Command("elevator", "Sensor events per second through the elevator fault machine");
        command.Options.Add(trips);
        command.SetAction((parseResult, _) =>
        {
            var result = ElevatorBench.Run(Math.Max(1, parseResult.GetValue(trips)));
            Console.Out.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["bench"] = "elevator",
                ["events"] = result.Events,
                ["trips"] = result.Trips,
                ["seconds"] = Math.Round(result.Seconds, 3),
                ["events_per_s"] = Math.Round(result.EventsPerSecond),
                ["alerts"] = result.Alerts,
            }));
            return Task.FromResult(result.Alerts == 0 ? 0 : 1);
        });
        return command;
    }

    private static ElevatorOptions LoadOptions(IConfiguration configuration)
    {
        var options = new ElevatorOptions();
        try
        {
            configuration.GetSection(ElevatorOptions.SectionName).Bind(options);
        }
        catch (InvalidOperationException ex)
        {
            throw new ConfigException($"config: {ex.Message}");
        }

        var problems = ElevatorOptionsValidator.Problems(options);
        return problems.Count == 0 ? options : throw new ConfigException(string.Join(Environment.NewLine, problems));
    }

    /// <summary>The gateway's one loader: the file (when given, or at the default path), EDGEGW_* variables.</summary>
    private static IConfiguration LoadConfiguration(ParseResult parseResult, Option<string> config)
    {
        var loaded = GatewayConfigLoader.Load(parseResult, config, ConfigFileUse.OptionalUnlessGiven);
        return loaded.Problem is { } problem ? throw new ConfigException(problem) : loaded.Configuration;
    }

    private static Task<int> Fail(string message)
    {
        Console.Error.WriteLine($"error: {message}");
        return Task.FromResult(2);
    }

    private sealed class ConfigException(string message) : Exception(message);
}
