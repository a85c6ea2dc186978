using System.CommandLine;
using System.Globalization;
using EdgeGateway.Core.Outbox;
using EdgeGateway.DurableFiles;
using EdgeGateway.Uplink.Segments;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeGateway.Host.Commands;

/// <summary>
/// <c>edgegw outbox dead-letters list|retry|drop</c>: the records the broker would not take.
/// <c>list</c> and <c>drop</c> work while the service runs; <c>retry</c> queues them again and needs
/// the outbox to itself (stop the service first; it says so in one line otherwise).
/// </summary>
internal static class DeadLetterCommands
{
    private const int ConfigError = 2;

    public static Command Create()
    {
        var command = new Command("dead-letters", "Records the broker refused, parked out of the queue");
        command.Subcommands.Add(List());
        command.Subcommands.Add(Retry());
        command.Subcommands.Add(Drop());
        return command;
    }

    private static Command List()
    {
        var config = UplinkCommands.ConfigOption();
        var command = new Command("list", "One JSON line per dead letter: record, class, alert id, reason, when");
        command.Options.Add(config);
        command.SetAction(parse =>
        {
            if (!UplinkCommands.TryLoad(parse, config, out var configuration))
            {
                return ConfigError;
            }

            foreach (var letter in FileOutboxStore.Inspect(UplinkCommands.StoreDirectory(configuration)).DeadLetters)
            {
                UplinkCommands.WriteJsonLine(json =>
                {
                    json.WriteNumber("record", letter.Entry.Id);
                    json.WriteString("class", OutboxForwarder.ClassName(letter.Entry.Class));
                    if (letter.Entry.AlertId is { } alertId)
                    {
                        json.WriteString("alert_id", alertId.ToString("D"));
                    }

                    json.WriteNumber("bytes", letter.Entry.Size);
                    json.WriteString("reason", letter.Reason);
                    json.WriteString("parked_at", letter.ParkedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
                });
            }

            return 0;
        });
        return command;
    }

    private static Command Drop()
    {
        var config = UplinkCommands.ConfigOption();
        var record = new Option<long?>("--record") { Description = "Only this record (from list); default all" };
        var command = new Command("drop", "Delete dead letters for good");
        command.Options.Add(config);
        command.Options.Add(record);
        command.SetAction(parse =>
        {
            if (!UplinkCommands.TryLoad(parse, config, out var configuration))
            {
                return ConfigError;
            }

            var only = parse.GetValue(record);
            var letters = Select(UplinkCommands.StoreDirectory(configuration), only);
            if (only is { } id && letters.Count == 0)
            {
                Console.Error.WriteLine($"--record {id}: no such dead letter; see 'edgegw outbox dead-letters list'");
                return 1;
            }

            var dropped = new DeadLetterBox(UplinkCommands.StoreDirectory(configuration)).Drop(letters);
            UplinkCommands.WriteJsonLine(json => json.WriteNumber("dropped", dropped));
            return 0;
        });
        return command;
    }

    private static Command Retry()
    {
        var config = UplinkCommands.ConfigOption();
        var record = new Option<long?>("--record") { Description = "Only this record (from list); default all" };
        var command = new Command("retry", "Queue dead letters again (stop the service first)");
        command.Options.Add(config);
        command.Options.Add(record);
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (!UplinkCommands.TryLoad(parse, config, out var configuration))
            {
                return ConfigError;
            }

            var only = parse.GetValue(record);
            return await UplinkCommands.WithOutboxAsync(parse, config, async services =>
            {
                var outbox = services.GetRequiredService<DurableOutbox>();
                var letters = Select(UplinkCommands.StoreDirectory(configuration), only);
                if (only is { } id && letters.Count == 0)
                {
                    Console.Error.WriteLine($"--record {id}: no such dead letter; see 'edgegw outbox dead-letters list'");
                    return 1;
                }

                var retried = 0;
                foreach (var letter in letters)
                {
                    if (!DeadLetterBox.TryRead(letter.File, out var read, out var payload))
                    {
                        continue;
                    }

                    await outbox.EnqueueAsync(new OutboxMessage(read.Entry.Class, payload, read.Entry.AlertId), cancellationToken);
                    await outbox.FlushAsync(cancellationToken);
                    File.Delete(letter.File);
                    retried++;
                }

                if (letters.Count > 0)
                {
                    DurableFile.SyncDirectory(Path.GetDirectoryName(letters[0].File)!);
                }

                UplinkCommands.WriteJsonLine(json => json.WriteNumber("retried", retried));
                return 0;
            });
        });
        return command;
    }

    private static List<DeadLetter> Select(string storeDirectory, long? only) =>
        [.. FileOutboxStore.Inspect(storeDirectory).DeadLetters.Where(l => only is null || l.Entry.Id == only)];
}
