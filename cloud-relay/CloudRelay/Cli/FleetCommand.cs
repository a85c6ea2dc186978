using System.CommandLine;
using CloudRelay.Fleet;
using EdgeGateway.Configuration;
using EdgeGateway.Contracts;

namespace CloudRelay.Cli;

/// <summary>
/// <c>cloud-relay fleet config set|clear|show|list</c>: fleet configuration layers, against the relay's database as the
/// <c>devices</c> verbs work. A running relay sees a change within <c>Relay:Fleet:PollInterval</c> and delivers it.
/// </summary>
internal static class FleetCommand
{
    public static Command Create()
    {
        var fleet = new Command("fleet", "Fleet configuration: layers for all devices, a site or a device, and what devices reported");
        var command = new Command("config", "Set, clear, show and list configuration layers");
        var dataDir = RelayCommands.DataDir();
        var db = RelayCommands.Db();
        var config = RelayCommands.Config();
        var flags = new ConfigFlags().Map(dataDir, "Relay:DataDir").Map(db, "Relay:Db");
        var target = new Option<string>("--target") { Description = "all, site:<site> or device:<site>/<device>", Required = true };
        var file = new Option<string>("--file") { Description = "The layer: a JSON file in the shape of the box's gateway.json ('-' reads stdin)", Required = true };
        var device = new Option<string>("--device") { Description = "<site>/<device>", Required = true };

        var set = new Command("set", "Set a layer; prints {\"target\",\"version\"}, or the lines that refused it on stderr (nothing stored)")
        {
            target, file, dataDir, db, config,
        };
        set.SetAction((parse, cancellationToken) => RelayCommands.WithService<FleetConfigService>(() => RelayCommands.Load(parse, config, flags), async service =>
        {
            var path = parse.GetValue(file)!;
            var body = path == "-" ? await Console.In.ReadToEndAsync(cancellationToken) : await File.ReadAllTextAsync(path, cancellationToken);
            return await PrintAsync(await service.SetAsync(parse.GetValue(target), body, Actor(), cancellationToken));
        }));

        var clear = new Command("clear", "Clear a layer; prints {\"target\",\"version\"} (devices it covered get the new version)") { target, dataDir, db, config };
        clear.SetAction((parse, cancellationToken) => RelayCommands.WithService<FleetConfigService>(() => RelayCommands.Load(parse, config, flags), async service =>
            await PrintAsync(await service.ClearAsync(parse.GetValue(target), Actor(), cancellationToken))));

        var show = new Command("show", "A device's desired configuration (version, sha256, document) and its latest report, as one JSON line") { device, dataDir, db, config };
        show.SetAction((parse, cancellationToken) => RelayCommands.WithService<FleetConfigService>(() => RelayCommands.Load(parse, config, flags), async service =>
        {
            var name = parse.GetValue(device)!;
            if (name.Split('/') is not [var site, var id] || !DeviceNames.IsValid(site) || !DeviceNames.IsValid(id))
            {
                throw new ArgumentException($"--device '{name}' is invalid; expected <site>/<device> with names of {DeviceNames.Expected[9..]}");
            }

            if (await service.ShowAsync(site, id, cancellationToken) is not { } shown)
            {
                await Console.Error.WriteLineAsync($"cloud-relay: device '{name}' is not registered; expected one listed by 'devices list'");
                return 1;
            }

            Console.WriteLine(FleetViews.Device(shown).ToJsonString());
            return 0;
        }));

        var list = new Command("list", "The layers set now, one JSON line each") { dataDir, db, config };
        list.SetAction((parse, cancellationToken) => RelayCommands.WithService<FleetConfigService>(() => RelayCommands.Load(parse, config, flags), async service =>
        {
            foreach (var layer in FleetViews.Layers(await service.ListAsync(cancellationToken))["items"]!.AsArray())
            {
                Console.WriteLine(layer!.ToJsonString());
            }

            return 0;
        }));

        command.Subcommands.Add(set);
        command.Subcommands.Add(clear);
        command.Subcommands.Add(show);
        command.Subcommands.Add(list);
        fleet.Subcommands.Add(command);
        return fleet;
    }

    private static string Actor() => $"cli:{Environment.UserName}";

    private static async Task<int> PrintAsync(FleetChangeResult result)
    {
        if (result.Change is { } change)
        {
            Console.WriteLine(FleetViews.Change(change).ToJsonString());
            return 0;
        }

        foreach (var line in result.Problems)
        {
            await Console.Error.WriteLineAsync($"cloud-relay: {line}");
        }

        return 1;
    }
}
