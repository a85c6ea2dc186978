using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using EdgeGateway.Contracts;
using EdgeGateway.Core.Alerts;
using EdgeGateway.Core.Outbox;
using EdgeGateway.Core.Publishing;
using EdgeGateway.Host.Configuration;
using EdgeGateway.Host.Gateway;
using EdgeGateway.Uplink;
using EdgeGateway.Uplink.Bench;
using EdgeGateway.Uplink.Configuration;
using EdgeGateway.Uplink.Mqtt;
using EdgeGateway.Uplink.Segments;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using EdgeGateway.Core.Configuration;

namespace EdgeGateway.Host.Commands;

/// <summary>
/// The uplink verbs of edgegw: <c>outbox inject</c>, <c>outbox stats</c>, the hidden
/// <c>outbox drain</c> (runs only the uplink side of the service), and <c>bench uplink</c>.
/// </summary>
internal static class UplinkCommands
{
    private const int ConfigError = 2;

    public static void Register(RootCommand root, Command bench)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(bench);
        var outbox = new Command("outbox", "The durable outbox in front of the uplink");
        outbox.Subcommands.Add(InjectCommand());
        outbox.Subcommands.Add(StatsCommand());
        outbox.Subcommands.Add(DrainCommand());
        outbox.Subcommands.Add(DeadLetterCommands.Create());
        root.Subcommands.Add(outbox);
        bench.Subcommands.Add(BenchCommand());
    }

    internal static Option<string> ConfigOption() =>
        GatewayConfigLoader.ConfigOption("The gateway's JSON configuration (Device, Storage, Uplink, Outbox sections)");

    private static Command InjectCommand()
    {
        var config = ConfigOption();
        var count = new Option<int>("--count") { Description = "How many alerts to enqueue", Required = true };
        var kind = new Option<string>("--kind") { Description = "Alert kind code", DefaultValueFactory = _ => AlertKinds.Test };
        var command = new Command("inject", "Durably enqueue N alerts with unique ids; exits 0 once they are on disk");
        command.Options.Add(config);
        command.Options.Add(count);
        command.Options.Add(kind);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var n = parse.GetValue(count);
            if (n < 1)
            {
                Console.Error.WriteLine($"--count {n}: expected a number of alerts >= 1");
                return ConfigError;
            }

            return await WithOutboxAsync(parse, config, async services =>
            {
                var sink = services.GetRequiredService<AlertPublisher>();
                var alertKind = parse.GetValue(kind) ?? AlertKinds.Test;
                var next = -1;
                long firstSequence = long.MaxValue;
                var injected = 0;
                string? failure = null;
                using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var clock = Stopwatch.StartNew();

                // Many producers at once, so the store's group commit shares each fsync among them.
                var producers = Enumerable.Range(0, Math.Min(n, 256)).Select(async _ =>
                {
                    int i;
                    while (!stop.IsCancellationRequested && (i = Interlocked.Increment(ref next)) < n)
                    {
                        var attributes = new Dictionary<string, string>(StringComparer.Ordinal) { ["n"] = i.ToString(CultureInfo.InvariantCulture) };
                        try
                        {
                            var alert = await sink.PublishAsync(new AlertDraft(alertKind, AlertSeverity.Info, AlertState.Raised, attributes), CancellationToken.None);
                            Interlocked.Increment(ref injected);
                            InterlockedMin(ref firstSequence, alert.Sequence);
                        }
                        catch (IOException ex)
                        {
                            // A full disk: stop every producer and say so once; what did reach disk is counted.
                            Interlocked.CompareExchange(ref failure, ex.Message, null);
                            await stop.CancelAsync();
                        }
                    }
                });
                await Task.WhenAll(producers);
                try
                {
                    await services.GetRequiredService<DurableOutbox>().FlushAsync(CancellationToken.None);
                }
                catch (IOException ex)
                {
                    failure ??= ex.Message;
                }

                var seconds = clock.Elapsed.TotalSeconds;
                WriteJsonLine(json =>
                {
                    json.WriteNumber("injected", injected);
                    json.WriteNumber("requested", n);
                    json.WriteString("kind", alertKind);
                    if (injected > 0)
                    {
                        json.WriteNumber("first_sequence", firstSequence);
                    }

                    json.WriteNumber("elapsed_ms", Math.Round(seconds * 1000, 1));
                    json.WriteNumber("per_s", Math.Round(injected / seconds));
                });
                if (failure is not null)
                {
                    Console.Error.WriteLine($"outbox inject: stopped after {injected} of {n} alerts: {failure}");
                    return 1;
                }

                return 0;
            });
        });
        return command;
    }

    private static Command StatsCommand()
    {
        var config = ConfigOption();
        var command = new Command("stats", "Print the outbox depth per class, the oldest age and the evictions as one JSON line");
        command.Options.Add(config);
        command.SetAction(parse =>
        {
            if (!TryLoad(parse, config, out var configuration))
            {
                return ConfigError;
            }

            StorageOptions storage;
            OutboxOptions outboxOptions;
            using (var services = GatewayServiceCollectionExtensions.BuildGatewayServices(configuration, scope: GatewayScope.UplinkOnly))
            {
                try
                {
                    storage = services.GetRequiredService<IOptions<StorageOptions>>().Value;
                    outboxOptions = services.GetRequiredService<IOptions<OutboxOptions>>().Value;
                }
                catch (Exception ex) when (ReportConfigProblems(ex))
                {
                    return ConfigError;
                }
            }

            // Read-only: works while the service runs, and never changes the store.
            var inspection = FileOutboxStore.Inspect(UplinkServiceCollectionExtensions.StoreOptions(storage, outboxOptions).Directory);
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var classes = Enum.GetValues<OutboxClass>();
            WriteJsonLine(json =>
            {
                json.WriteStartObject("depth");
                foreach (var messageClass in classes)
                {
                    json.WriteNumber(OutboxForwarder.ClassName(messageClass), inspection.Pending.Count(e => e.Class == messageClass));
                }

                json.WriteEndObject();
                json.WriteNumber("total", inspection.Pending.Count);
                if (inspection.Pending.Count > 0)
                {
                    json.WriteNumber("oldest_age_s", Math.Round(Math.Max(0, now - inspection.Pending.Min(e => e.EnqueuedAtMs)) / 1000.0, 3));
                }
                else
                {
                    json.WriteNull("oldest_age_s");
                }

                json.WriteStartObject("evictions");
                foreach (var messageClass in classes)
                {
                    json.WriteNumber(OutboxForwarder.ClassName(messageClass), inspection.Counters.Evictions[(int)messageClass]);
                }

                json.WriteEndObject();
                json.WriteNumber("evictions_total", inspection.Counters.Evictions.Sum());
                json.WriteNumber("evictions_unreported", inspection.Counters.UnreportedEvictions.Sum());
                json.WriteNumber("expired", inspection.Counters.Expired.Sum());
                json.WriteNumber("queued_bytes", inspection.Pending.Sum(e => e.BudgetBytes));
                json.WriteNumber("disk_bytes", inspection.DiskBytes);
                json.WriteNumber("quarantined_files", inspection.QuarantinedFiles);
                json.WriteNumber("dead_letters", inspection.DeadLetters.Count);
                json.WriteNumber("dead_letters_unreported", inspection.Counters.UnreportedDeadLetters.Count);
                json.WriteNumber("dead_letters_dropped", inspection.DeadLettersDropped);
                json.WriteNumber("free_bytes", inspection.AvailableBytes);
                json.WriteNumber("reserve_bytes", inspection.ReserveBytes);
                json.WriteBoolean("storage_full", inspection.StorageFull);
            });
            return 0;
        });
        return command;
    }

    private static Command DrainCommand()
    {
        var config = ConfigOption();
        var untilEmpty = new Option<bool>("--until-empty") { Description = "Exit 0 once the outbox is empty (dead-letter notices sent too)" };
        var command = new Command("drain", "Run only the uplink side of the service: drain the outbox to the broker until stopped")
        {
            Hidden = true,
        };
        command.Options.Add(config);
        command.Options.Add(untilEmpty);
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (!TryLoad(parse, config, out var configuration))
            {
                return ConfigError;
            }

            var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            builder.Configuration.AddConfiguration(configuration);
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
            builder.Services.AddGateway(builder.Configuration, GatewayScope.UplinkOnly);
            using var host = builder.Build();
            try
            {
                await host.StartAsync(cancellationToken);
            }
            catch (Exception ex) when (ReportConfigProblems(ex))
            {
                return ConfigError;
            }

            var outbox = host.Services.GetRequiredService<DurableOutbox>();
            var forwarder = host.Services.GetRequiredService<OutboxForwarder>();
            var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
            if (parse.GetValue(untilEmpty))
            {
                // Empty: nothing left to send, not even a dead letter's notice still owed.
                while ((outbox.GetStats().TotalDepth > 0 || outbox.HasUnreportedDeadLetters) && !lifetime.ApplicationStopping.IsCancellationRequested)
                {
                    await Task.Delay(100, CancellationToken.None);
                }

                await host.StopAsync(CancellationToken.None);
            }
            else
            {
                await host.WaitForShutdownAsync(cancellationToken);
            }

            var stats = outbox.GetStats();
            WriteJsonLine(json =>
            {
                json.WriteNumber("sent", forwarder.Sent);
                json.WriteNumber("depth", stats.TotalDepth);
            });
            return 0;
        });
        return command;
    }

    private static Command BenchCommand()
    {
        var broker = new Option<string>("--broker") { Description = "mqtt://host:port of a running broker", Required = true };
        var count = new Option<int>("--count") { Description = "Alerts to enqueue and drain", DefaultValueFactory = _ => 20_000 };
        var concurrency = new Option<int>("--concurrency") { Description = "Concurrent producers", DefaultValueFactory = _ => 256 };
        var window = new Option<int>("--window") { Description = "Records in flight awaiting PUBACK", DefaultValueFactory = _ => 256 };
        var command = new Command("uplink", "Durable enqueue rate and drain rate to a broker; prints one JSON line");
        command.Options.Add(broker);
        command.Options.Add(count);
        command.Options.Add(concurrency);
        command.Options.Add(window);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var url = parse.GetValue(broker)!;
            if (!BrokerAddress.TryParse(url, out _, out var error))
            {
                Console.Error.WriteLine($"--broker '{url}': {error}");
                return ConfigError;
            }

            using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
            try
            {
                var result = await UplinkBenchmark.RunAsync(url, parse.GetValue(count), parse.GetValue(concurrency), parse.GetValue(window), loggers, cancellationToken);
                WriteJsonLine(json =>
                {
                    json.WriteNumber("count", result.Count);
                    json.WriteNumber("enqueue_per_s", Math.Round(result.EnqueuePerSecond));
                    json.WriteNumber("enqueue_p50_ms", Math.Round(result.EnqueueP50Ms, 3));
                    json.WriteNumber("enqueue_p99_ms", Math.Round(result.EnqueueP99Ms, 3));
                    json.WriteNumber("drain_per_s", Math.Round(result.DrainPerSecond));
                    WriteNumberOrNull(json, "mosquitto_pub_per_s", result.MosquittoPubPerSecond is { } pub ? Math.Round(pub) : null);
                    WriteNumberOrNull(json, "drain_ratio", result.DrainRatio is { } ratio ? Math.Round(ratio, 2) : null);
                    json.WriteNumber("bytes_per_alert", result.BytesPerAlert);
                    json.WriteNumber("payload_bytes", result.PayloadBytes);
                    json.WriteNumber("concurrency", result.Concurrency);
                    json.WriteNumber("window", result.Window);
                });
                return 0;
            }
            catch (InvalidOperationException ex)
            {
                Console.Error.WriteLine(ex.Message);
                return 1;
            }
        });
        return command;
    }

    /// <summary>Builds the outbox services from the config file and runs <paramref name="work"/>; config problems print one line each.</summary>
    internal static async Task<int> WithOutboxAsync(ParseResult parse, Option<string> config, Func<IServiceProvider, Task<int>> work)
    {
        if (!TryLoad(parse, config, out var configuration))
        {
            return ConfigError;
        }

        // A refused alarm is reported by the verb itself, in one line.
        await using var provider = GatewayServiceCollectionExtensions.BuildGatewayServices(configuration, scope: GatewayScope.UplinkOnly,
            configureLogging: logging => logging.AddFilter(typeof(DurableOutbox).FullName, LogLevel.Critical));
        try
        {
            _ = provider.GetRequiredService<IOptions<DeviceOptions>>().Value;
            _ = provider.GetRequiredService<IOptions<StorageOptions>>().Value;
            _ = provider.GetRequiredService<IOptions<OutboxOptions>>().Value;
            _ = provider.GetRequiredService<IOptions<UplinkOptions>>().Value;
            return await work(provider);
        }
        catch (Exception ex) when (ReportConfigProblems(ex))
        {
            return ConfigError;
        }
        catch (InvalidOperationException ex)
        {
            Console.Error.WriteLine(ex.Message);
            return 1;
        }
    }

    /// <summary>The outbox folder the configuration names.</summary>
    internal static string StoreDirectory(IConfiguration configuration)
    {
        var storage = configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        var outboxOptions = configuration.GetSection(OutboxOptions.Section).Get<OutboxOptions>() ?? new OutboxOptions();
        return UplinkServiceCollectionExtensions.StoreOptions(storage, outboxOptions).Directory;
    }

    /// <summary>The gateway's one loader; a missing or broken file is one line on stderr.</summary>
    internal static bool TryLoad(ParseResult parse, Option<string> config, out IConfiguration configuration)
    {
        var loaded = GatewayConfigLoader.Load(parse, config, ConfigFileUse.Required);
        configuration = loaded.Configuration;
        if (loaded.Problem is { } problem)
        {
            Console.Error.WriteLine(problem);
            return false;
        }

        return true;
    }

    /// <summary>Prints every options validation failure found in <paramref name="ex"/>, one per line; false if there were none.</summary>
    private static bool ReportConfigProblems(Exception ex)
    {
        var failures = (ex is AggregateException aggregate ? aggregate.Flatten().InnerExceptions : [ex])
            .OfType<OptionsValidationException>()
            .SelectMany(e => e.Failures)
            .ToList();
        foreach (var failure in failures)
        {
            Console.Error.WriteLine(failure);
        }

        return failures.Count > 0;
    }

    internal static void WriteJsonLine(Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            body(json);
            json.WriteEndObject();
        }

        Console.Out.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
    }

    /// <summary>A measurement that could not be taken is null, never a made-up zero.</summary>
    private static void WriteNumberOrNull(Utf8JsonWriter json, string name, double? value)
    {
        if (value is { } number)
        {
            json.WriteNumber(name, number);
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static void InterlockedMin(ref long target, long value)
    {
        var current = Interlocked.Read(ref target);
        while (value < current)
        {
            var previous = Interlocked.CompareExchange(ref target, value, current);
            if (previous == current)
            {
                return;
            }

            current = previous;
        }
    }
}
