using System.CommandLine;
using System.Text.Json;
using CloudRelay.Api;
using CloudRelay.Bench;
using CloudRelay.Devices;
using CloudRelay.Hosting;
using CloudRelay.Settings;
using EdgeGateway.Contracts;
using EdgeGateway.Supervision.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using EdgeGateway.Configuration;

namespace CloudRelay.Cli;

/// <summary>The <c>cloud-relay</c> verbs: run, devices, api-key, bench, certs, operators.</summary>
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
        root.Subcommands.Add(BenchRelayCommand());
        root.Subcommands.Add(CertsCommand.Create());
        root.Subcommands.Add(OperatorsCommand.Create());
        root.Subcommands.Add(FleetCommand.Create());
    }

    // Flags that set a Relay:* key have no default of their own: the file, then RELAY_* variables, then the
    // relay's defaults decide what a flag that is not given means.
    internal static Option<string?> DataDir() => new("--data-dir") { Description = "Folder for the SQLite file, secrets and snapshots (Relay:DataDir, default relay-data)" };

    internal static Option<string?> Db() => new("--db") { Description = "sqlite (default) or postgres://user:password@host:port/database (Relay:Db)" };

    internal static Option<string?> Config() => new("--config") { Description = "JSON file with a Relay section (secrets here: keep it mode 600); RELAY_* variables and given flags override it" };

    /// <summary>The relay's one loader for a verb: file, RELAY_* variables, then the flags given.</summary>
    internal static IConfigurationRoot Load(ParseResult parse, Option<string?> config, ConfigFlags flags) =>
        RelayConfigLoader.Load(parse.GetValue(config), flags.Given(parse));

    private static Command Run()
    {
        var mqttPort = new Option<int>("--mqtt-port") { Description = "Embedded broker port (Relay:Mqtt:Port, default 1883)" };
        var httpUrl = new Option<string?>("--http-url") { Description = $"REST API address (Relay:HttpUrl, default {RelayOptions.DefaultHttpUrl})" };
        var dataDir = DataDir();
        var db = Db();
        var broker = new Option<string?>("--broker") { Description = "External broker (mqtt://host:port); joins the shared subscription instead of embedding a broker (Relay:Mqtt:Broker)" };
        var instance = new Option<string?>("--instance") { Description = "External mode: this instance's stable name, its MQTT session (Relay:Mqtt:InstanceId)" };
        var webhook = new Option<string?>("--webhook-url") { Description = "Platform webhook to forward alerts to (Relay:Webhook:Url)" };
        var config = Config();
        var command = new Command("run", "Run the relay: MQTT ingest, storage, REST API and forwarding")
        {
            mqttPort, httpUrl, dataDir, db, broker, instance, webhook, config,
        };
        var flags = new ConfigFlags()
            .Map(mqttPort, "Relay:Mqtt:Port")
            .Map(httpUrl, "Relay:HttpUrl")
            .Map(dataDir, "Relay:DataDir")
            .Map(db, "Relay:Db")
            .Map(broker, "Relay:Mqtt:Broker")
            .Map(instance, "Relay:Mqtt:InstanceId")
            .Map(webhook, "Relay:Webhook:Url");
        command.SetAction(async (parse, cancellationToken) => await Guard(async () =>
        {
            var configuration = Load(parse, config, flags);
            await using var app = RelayHost.Build(configuration, parse.GetValue(config));
            // Reach the database first, so an unreachable one is one clear line rather than a host failure log.
            await app.Services.GetRequiredService<StoreReady>().EnsureAsync(cancellationToken);
            // A service that threw stops the host as if asked to; systemd must see a failure.
            if (await ServiceFault.RunAsync(app, cancellationToken) is { } fault)
            {
                await Console.Error.WriteLineAsync(fault.Describe("cloud-relay"));
                return ServiceFault.ExitCode;
            }

            return 0;
        }));
        return command;
    }

    private static Command Devices()
    {
        var devices = new Command("devices", "Manage the devices allowed to connect");
        var site = new Option<string>("--site") { Description = "Site id", Required = true };
        var device = new Option<string>("--device") { Description = "Device id", Required = true };
        var thumbprint = new Option<string?>("--cert-thumbprint") { Description = "SHA-256 thumbprint of the device's client certificate" };
        var clientId = new Option<string?>("--client-id") { Description = "An MQTT client id of the device's own besides edgegw-{site}-{device} (the box's Uplink:ClientId)" };
        var dataDir = DataDir();
        var db = Db();
        var config = Config();
        var flags = new ConfigFlags().Map(dataDir, "Relay:DataDir").Map(db, "Relay:Db");

        var publicKey = new Option<string?>("--public-key") { Description = "The box's evidence signing key: a PEM file or the PEM text (EC P-256 public key)" };
        var renew = new Option<bool>("--renew")
        {
            Description = "The device exists: give it a new token (the old one and its sessions end) and, with --public-key, rotate its signing key",
        };
        var add = new Command("add", "Register a device and print its credentials (the token is shown only now)") { site, device, thumbprint, clientId, publicKey, renew, dataDir, db, config };
        add.SetAction((parse, cancellationToken) => WithService<IServiceProvider>(() => Load(parse, config, flags), async services =>
        {
            var pem = ReadPublicKey(parse.GetValue(publicKey));
            var registry = services.GetRequiredService<DeviceRegistry>();
            var keys = services.GetRequiredService<CloudRelay.Evidence.DeviceSigningKeys>();
            var renewing = parse.GetValue(renew);
            if (pem is not null && !renewing && await keys.ConflictAsync(parse.GetValue(site)!, parse.GetValue(device)!, pem, cancellationToken) is { } conflict)
            {
                throw new DeviceTakenException(conflict);
            }

            var credentials = await registry.AddAsync(parse.GetValue(site)!, parse.GetValue(device)!, parse.GetValue(thumbprint), parse.GetValue(clientId),
                renewing, cancellationToken);
            var keyId = pem is null ? null
                : renewing ? await keys.RotateAsync(credentials.Site, credentials.Device, pem, cancellationToken)
                : await keys.RegisterAsync(credentials.Site, credentials.Device, pem, cancellationToken);
            Console.WriteLine(JsonSerializer.Serialize(new { credentials.Site, credentials.Device, credentials.Username, credentials.Password, KeyId = keyId }, Json));
            return 0;
        }));

        var claim = new Command("claim-code", "Print a one-time claim code an installer exchanges for the device's credentials") { site, device, dataDir, db, config };
        claim.SetAction((parse, cancellationToken) => WithService<DeviceRegistry>(() => Load(parse, config, flags), async registry =>
        {
            var code = await registry.CreateClaimCodeAsync(parse.GetValue(site)!, parse.GetValue(device)!, cancellationToken: cancellationToken);
            Console.WriteLine(code);
            return 0;
        }));

        var list = new Command("list", "List devices with online state and last seen, one JSON line each") { dataDir, db, config };
        list.SetAction((parse, cancellationToken) => WithService<DeviceRegistry>(() => Load(parse, config, flags), async registry =>
        {
            foreach (var record in await registry.ListAsync(cancellationToken))
            {
                Console.WriteLine(JsonSerializer.Serialize(new { record.Site, record.Device, record.Online, record.LastSeenMs }, Json));
            }

            return 0;
        }));

        var remove = new Command("remove", "Remove a device; it can no longer connect") { site, device, dataDir, db, config };
        remove.SetAction((parse, cancellationToken) => WithService<DeviceRegistry>(() => Load(parse, config, flags), async registry =>
        {
            var removed = await registry.RemoveAsync(parse.GetValue(site)!, parse.GetValue(device)!, cancellationToken);
            Console.WriteLine(removed ? "removed" : "no such device");
            return 0;
        }));

        devices.Subcommands.Add(add);
        devices.Subcommands.Add(claim);
        devices.Subcommands.Add(list);
        devices.Subcommands.Add(remove);
        return devices;
    }

    private static Command ApiKey()
    {
        var command = new Command("api-key", "Platform API keys: create, list, revoke (each named, scoped and stored hashed)");

        var name = new Option<string>("--name") { Description = "The key's name, e.g. platform", Required = true };
        var scope = new Option<string>("--scope") { Description = "read, devices, cases, fleet, metrics or admin", Required = true };
        var keyDataDir = DataDir();
        var db = Db();
        var keyConfig = Config();
        var keyFlags = new ConfigFlags().Map(keyDataDir, "Relay:DataDir").Map(db, "Relay:Db");
        var create = new Command("create", "Make a named, scoped key; prints it once as a JSON line with a 'key' field (only its hash is kept)") { name, scope, keyDataDir, db, keyConfig };
        create.SetAction((parse, cancellationToken) => WithService<CloudRelay.Api.ApiKeys>(() => Load(parse, keyConfig, keyFlags), async keys =>
        {
            var created = await keys.CreateAsync(parse.GetValue(name)!, parse.GetValue(scope)!, cancellationToken);
            Console.WriteLine(JsonSerializer.Serialize(new { created.Name, created.Scope, created.Key }, Json));
            return 0;
        }));

        var list = new Command("list", "List keys (never their secrets), one JSON line each") { keyDataDir, db, keyConfig };
        list.SetAction((parse, cancellationToken) => WithService<CloudRelay.Api.ApiKeys>(() => Load(parse, keyConfig, keyFlags), async keys =>
        {
            foreach (var key in await keys.ListAsync(cancellationToken))
            {
                Console.WriteLine(JsonSerializer.Serialize(new { key.Name, key.Scope, key.CreatedMs, Revoked = key.RevokedMs is not null, key.RevokedMs }, Json));
            }

            return 0;
        }));

        var revokeName = new Option<string>("--name") { Description = "The key to revoke", Required = true };
        var revoke = new Command("revoke", "Revoke a key; running relays refuse it within 2 s") { revokeName, keyDataDir, db, keyConfig };
        revoke.SetAction((parse, cancellationToken) => WithService<CloudRelay.Api.ApiKeys>(() => Load(parse, keyConfig, keyFlags), async keys =>
        {
            if (await keys.RevokeAsync(parse.GetValue(revokeName)!, cancellationToken))
            {
                Console.WriteLine("revoked");
                return 0;
            }

            await Console.Error.WriteLineAsync($"cloud-relay: no live API key named '{parse.GetValue(revokeName)}'");
            return 1;
        }));

        command.Subcommands.Add(create);
        command.Subcommands.Add(list);
        command.Subcommands.Add(revoke);
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
        var kind = new Option<string>("--kind")
        {
            Description = "The alerts' kind: test (default) opens no case; a kind with a deadline such as no_mask opens and joins cases too",
            DefaultValueFactory = _ => AlertKinds.Test,
        };
        var command = new Command("bench", "Drive real MQTT clients into a relay in its own process; prints one JSON line per database") { devices, count, window, db, kind };
        command.Subcommands.Add(FleetBenchCommand());
        command.Subcommands.Add(HealthBenchCommand());
        command.SetAction(async (parse, cancellationToken) => await Guard(async () =>
        {
            var clean = true;
            foreach (var database in parse.GetValue(db)!)
            {
                var result = await RelayBench.RunAsync(parse.GetValue(devices), parse.GetValue(count), parse.GetValue(window), database, cancellationToken, parse.GetValue(kind)!);
                Console.WriteLine(JsonSerializer.Serialize(result, Json));
                clean &= result.Lost == 0 && result.Unacknowledged == 0;
            }

            return clean ? 0 : 1;
        }));
        return command;
    }

    private static Command FleetBenchCommand()
    {
        var devices = new Option<int>("--devices") { Description = "Simulated boxes (one MQTT client each)", DefaultValueFactory = _ => 1000 };
        var db = new Option<string>("--db") { Description = "sqlite (default, a temp file) or postgres://...", DefaultValueFactory = _ => "sqlite" };
        var timeout = new Option<int>("--timeout") { Description = "Seconds to wait for every report", DefaultValueFactory = _ => 120 };
        var command = new Command("fleet", "Set a layer for all devices and measure the time until every device's report is stored, and the relay's CPU; prints one JSON line")
        {
            devices, db, timeout,
        };
        command.SetAction(async (parse, cancellationToken) => await Guard(async () =>
        {
            var result = await FleetBench.RunAsync(parse.GetValue(devices), parse.GetValue(db)!, TimeSpan.FromSeconds(parse.GetValue(timeout)), cancellationToken);
            Console.WriteLine(JsonSerializer.Serialize(result, Json));
            return result.Reported == result.Devices ? 0 : 1;
        }));
        return command;
    }

    private static Command HealthBenchCommand()
    {
        var devices = new Option<int>("--devices") { Description = "Simulated boxes (one MQTT client each)", DefaultValueFactory = _ => 1000 };
        var db = new Option<string>("--db") { Description = "sqlite (default, a temp file) or postgres://...", DefaultValueFactory = _ => "sqlite" };
        var interval = new Option<int>("--interval") { Description = "Seconds over which every box reports once", DefaultValueFactory = _ => 60 };
        var rounds = new Option<int>("--rounds") { Description = "Intervals to measure", DefaultValueFactory = _ => 1 };
        var command = new Command("health", "Every box publishes a health report once per interval; measures the relay's CPU meanwhile; prints one JSON line")
        {
            devices, db, interval, rounds,
        };
        command.SetAction(async (parse, cancellationToken) => await Guard(async () =>
        {
            var result = await HealthBench.RunAsync(parse.GetValue(devices), parse.GetValue(db)!, TimeSpan.FromSeconds(parse.GetValue(interval)),
                parse.GetValue(rounds), cancellationToken);
            Console.WriteLine(JsonSerializer.Serialize(result, Json));
            return result.Stored == result.Devices ? 0 : 1;
        }));
        return command;
    }

    /// <summary>The relay's composition root outside a host: nothing starts; a verb takes the services it needs.</summary>
    private static ServiceProvider BuildServices(IConfiguration configuration)
    {
        var services = new ServiceCollection();
        services.AddSingleton(configuration);
        services.AddLogging();
        services.AddCloudRelay(configuration);
        var provider = services.BuildServiceProvider();
        try
        {
            // Bad settings are one line per problem before anything touches the disk or the database.
            _ = provider.GetRequiredService<IOptions<RelayOptions>>().Value;
            return provider;
        }
        catch
        {
            provider.Dispose();
            throw;
        }
    }

    /// <summary>The relay side of the bench, started by <c>bench</c> as a child process; not for people.</summary>
    private static Command BenchRelayCommand()
    {
        var devices = new Option<int>("--devices") { DefaultValueFactory = _ => 100 };
        var db = new Option<string>("--db") { DefaultValueFactory = _ => "sqlite" };
        var command = new Command("bench-relay", "The relay process the bench drives (started by 'bench')") { devices, db };
        command.Hidden = true;
        command.SetAction(async (parse, cancellationToken) => await Guard(async () =>
        {
            // Stdout carries the control answers; the relay's own log lines go to stderr.
            var answers = Console.Out;
            Console.SetOut(Console.Error);
            await RelayBench.ServeAsync(parse.GetValue(devices), parse.GetValue(db)!, Console.In, answers, cancellationToken);
            return 0;
        }));
        return command;
    }

    /// <summary>The PEM of <c>--public-key</c>: a file's text, or the text itself; checked before anything is stored.</summary>
    private static string? ReadPublicKey(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var pem = value.Contains("-----BEGIN", StringComparison.Ordinal) ? value
            : File.Exists(value) ? File.ReadAllText(value)
            : throw new ArgumentException($"--public-key '{value}' is neither a PEM file nor PEM text; expected an EC P-256 public key ('BEGIN PUBLIC KEY')");
        return CloudRelay.Evidence.DeviceSigningKeys.Check(pem, out var error) is null
            ? throw new ArgumentException($"--public-key '{value}': {error}")
            : pem;
    }

    /// <summary>A verb that needs one relay service (or, as <see cref="IServiceProvider"/>, several), with the schema migrated first.</summary>
    internal static async Task<int> WithService<T>(Func<IConfiguration> load, Func<T, Task<int>> action)
        where T : notnull =>
        await Guard(async () =>
        {
            await using var services = BuildServices(load());
            await services.GetRequiredService<StoreReady>().EnsureAsync(CancellationToken.None);
            return await action(services.GetRequiredService<T>());
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
        catch (Exception ex) when (ex is ArgumentException or FormatException or IOException or InvalidDataException or InvalidOperationException
                                       or UnauthorizedAccessException or System.Data.Common.DbException or System.Net.Sockets.SocketException)
        {
            await Console.Error.WriteLineAsync($"cloud-relay: {ex.Message}");
            return 2;
        }
    }
}
