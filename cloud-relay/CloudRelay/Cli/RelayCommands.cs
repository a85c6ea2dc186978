using System.CommandLine;
using System.Text.Json;
using CloudRelay.Bench;
using CloudRelay.Devices;
using CloudRelay.Hosting;
using CloudRelay.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CloudRelay.Cli;

/// <summary>The <c>cloud-relay</c> verbs: run, devices, api-key, bench.</summary>
public static class RelayCommands
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static void Register(RootCommand root)
    {
        ArgumentNullException.ThrowIfNull(root);
        root.Subcommands.Add(Run());
        root.Subcommands.Add(Devices());
        root.Subcommands.Add(ApiKey());
        root.Subcommands.Add(BenchCommand());
        root.Subcommands.Add(CertsCommand.Create());
    }

    private static Option<string> DataDir() => new("--data-dir") { Description = "Folder for the SQLite file, secrets and snapshots", DefaultValueFactory = _ => "relay-data" };

    private static Option<string> Db() => new("--db") { Description = "sqlite (default) or postgres://user:password@host:port/database", DefaultValueFactory = _ => "sqlite" };

    private static Command Run()
    {
        var mqttPort = new Option<int>("--mqtt-port") { Description = "Embedded broker port", DefaultValueFactory = _ => 1883 };
        var httpUrl = new Option<string>("--http-url") { Description = "REST API address", DefaultValueFactory = _ => "http://127.0.0.1:8080" };
        var dataDir = DataDir();
        var db = Db();
        var broker = new Option<string?>("--broker") { Description = "External broker (mqtt://host:port); joins the shared subscription instead of embedding a broker" };
        var instance = new Option<string?>("--instance") { Description = "External mode: this instance's stable name (its MQTT session)" };
        var webhook = new Option<string?>("--webhook-url") { Description = "Platform webhook to forward alerts to" };
        var config = new Option<string?>("--config") { Description = "JSON file with a Relay section (secrets here: keep it mode 600)" };
        var command = new Command("run", "Run the relay: MQTT ingest, storage, REST API and forwarding")
        {
            mqttPort, httpUrl, dataDir, db, broker, instance, webhook, config,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = new RelayStartOptions
            {
                MqttPort = parse.GetValue(mqttPort),
                HttpUrl = parse.GetValue(httpUrl)!,
                DataDir = parse.GetValue(dataDir),
                Db = parse.GetValue(db),
                Broker = parse.GetValue(broker),
                InstanceId = parse.GetValue(instance),
                WebhookUrl = parse.GetValue(webhook),
                ConfigFile = parse.GetValue(config),
            };
            return await Guard(async () =>
            {
                await using var app = RelayHost.Build(options);
                // Reach the database first, so an unreachable one is one clear line rather than a host failure log.
                await app.Services.GetRequiredService<StoreReady>().EnsureAsync(cancellationToken);
                await app.RunAsync(cancellationToken);
                return 0;
            });
        });
        return command;
    }

    private static Command Devices()
    {
        var devices = new Command("devices", "Manage the devices allowed to connect");
        var site = new Option<string>("--site") { Description = "Site id", Required = true };
        var device = new Option<string>("--device") { Description = "Device id", Required = true };
        var thumbprint = new Option<string?>("--cert-thumbprint") { Description = "SHA-256 thumbprint of the device's client certificate" };
        var dataDir = DataDir();
        var db = Db();

        var add = new Command("add", "Register a device and print its credentials (the token is shown only now)") { site, device, thumbprint, dataDir, db };
        add.SetAction((parse, cancellationToken) => WithRegistry(parse, dataDir, db, async registry =>
        {
            var credentials = await registry.AddAsync(parse.GetValue(site)!, parse.GetValue(device)!, parse.GetValue(thumbprint), cancellationToken);
            Console.WriteLine(JsonSerializer.Serialize(new { credentials.Site, credentials.Device, credentials.Username, credentials.Password }, Json));
        }));

        var claim = new Command("claim-code", "Print a one-time claim code an installer exchanges for the device's credentials") { site, device, dataDir, db };
        claim.SetAction((parse, cancellationToken) => WithRegistry(parse, dataDir, db, async registry =>
        {
            var code = await registry.CreateClaimCodeAsync(parse.GetValue(site)!, parse.GetValue(device)!, cancellationToken: cancellationToken);
            Console.WriteLine(code);
        }));

        var list = new Command("list", "List devices with online state and last seen, one JSON line each") { dataDir, db };
        list.SetAction((parse, cancellationToken) => WithRegistry(parse, dataDir, db, async registry =>
        {
            foreach (var record in await registry.ListAsync(cancellationToken))
            {
                Console.WriteLine(JsonSerializer.Serialize(new { record.Site, record.Device, record.Online, record.LastSeenMs }, Json));
            }
        }));

        var remove = new Command("remove", "Remove a device; it can no longer connect") { site, device, dataDir, db };
        remove.SetAction((parse, cancellationToken) => WithRegistry(parse, dataDir, db, async registry =>
        {
            var removed = await registry.RemoveAsync(parse.GetValue(site)!, parse.GetValue(device)!, cancellationToken);
            Console.WriteLine(removed ? "removed" : "no such device");
        }));

        devices.Subcommands.Add(add);
        devices.Subcommands.Add(claim);
        devices.Subcommands.Add(list);
        devices.Subcommands.Add(remove);
        return devices;
    }

    private static Command ApiKey()
    {
        var dataDir = DataDir();
        var command = new Command("api-key", "Print the platform's API key (created on first use, kept in relay-secrets.json, mode 600)") { dataDir };
        command.SetAction(parse => Guard(() =>
        {
            var secrets = new RelaySecrets(Options.Create(new RelayOptions { DataDir = parse.GetValue(dataDir)! }));
            Console.WriteLine(secrets.ApiKey);
            return Task.FromResult(0);
        }).GetAwaiter().GetResult());
        return command;
    }

    private static Command BenchCommand()
    {
        var devices = new Option<int>("--devices") { Description = "Simulated devices (one MQTT client each)", DefaultValueFactory = _ => 100 };
        var count = new Option<int>("--count") { Description = "Alerts in total", DefaultValueFactory = _ => 50_000 };
        var window = new Option<int>("--window") { Description = "Publishes in flight per device", DefaultValueFactory = _ => 32 };
        var db = new Option<string[]>("--db")
        {
            Description = "sqlite (default, a temp file) or postgres://...; give it more than once to run each in turn",
            DefaultValueFactory = _ => ["sqlite"],
            Arity = ArgumentArity.OneOrMore,
        };
        var command = new Command("bench", "Drive real MQTT clients into an embedded relay; prints one JSON line per database") { devices, count, window, db };
        command.SetAction(async (parse, cancellationToken) => await Guard(async () =>
        {
            var clean = true;
            foreach (var database in parse.GetValue(db)!)
            {
                var result = await RelayBench.RunAsync(parse.GetValue(devices), parse.GetValue(count), parse.GetValue(window), database, cancellationToken);
                Console.WriteLine(JsonSerializer.Serialize(result, Json));
                clean &= result.Lost == 0 && result.Unacknowledged == 0;
            }

            return clean ? 0 : 1;
        }));
        return command;
    }

    private static async Task<int> WithRegistry(ParseResult parse, Option<string> dataDir, Option<string> db, Func<DeviceRegistry, Task> action) =>
        await Guard(async () =>
        {
            var options = new RelayOptions { DataDir = parse.GetValue(dataDir)!, Db = parse.GetValue(db)! };
            var problems = new RelayOptionsValidator().Validate(null, options);
            if (problems.Failed)
            {
                throw new OptionsValidationException(RelayOptions.Section, typeof(RelayOptions), problems.Failures);
            }

            await using IRelayStore store = options.UsesPostgres ? new PostgresRelayStore(options.Db) : new SqliteRelayStore(options.SqlitePath);
            await store.MigrateAsync(CancellationToken.None);
            await action(new DeviceRegistry(store, TimeProvider.System));
            return 0;
        });

    /// <summary>Bad input and broken config end as one clear line on stderr and exit code 2, never a stack trace.</summary>
    private static async Task<int> Guard(Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (OptionsValidationException ex)
        {
            foreach (var failure in ex.Failures)
            {
                await Console.Error.WriteLineAsync($"cloud-relay: {failure}");
            }

            return 2;
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or IOException or InvalidOperationException
                                       or UnauthorizedAccessException or System.Data.Common.DbException or System.Net.Sockets.SocketException)
        {
            await Console.Error.WriteLineAsync($"cloud-relay: {ex.Message}");
            return 2;
        }
    }
}
