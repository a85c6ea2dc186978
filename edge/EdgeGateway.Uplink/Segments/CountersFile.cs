using System.Text.Json;
using System.Text.Json.Serialization;
using EdgeGateway.Core.Outbox;
using EdgeGateway.DurableFiles;

namespace EdgeGateway.Uplink.Segments;

/// <summary>The outbox counters as a small JSON file, replaced with <see cref="DurableFile"/> (write, sync, rename, directory sync).</summary>
internal static class CountersFile
{
    public static OutboxCounters Read(string path, out string? error)
    {
        error = null;
        if (!File.Exists(path))
        {
            return OutboxCounters.Empty;
        }

        try
        {
            var document = JsonSerializer.Deserialize(File.ReadAllBytes(path), CountersJsonContext.Default.CountersDocument);
            if (document is null)
            {
                error = "empty document";
                return OutboxCounters.Empty;
            }

            return new OutboxCounters(
                Fit(document.Evictions),
                Fit(document.UnreportedEvictions),
                Fit(document.Expired),
                [.. (document.UnreportedQuarantines ?? []).Select(q =>
                    new QuarantineReport(q.File ?? "", q.QuarantinedAs ?? "", q.IntactRecords, q.DamagedBytes, q.Reason ?? ""))])
            {
                UnreportedDeadLetters = [.. (document.UnreportedDeadLetters ?? []).Select(d =>
                    new DeadLetterReport(d.Record, Enum.IsDefined((OutboxClass)d.Class) ? (OutboxClass)d.Class : OutboxClass.Alarm, d.AlertId, d.Reason ?? ""))],
            };
        }
        catch (JsonException ex)
        {
            error = ex.Message;
            return OutboxCounters.Empty;
        }
    }

    public static void Write(string path, OutboxCounters counters, bool sync)
    {
        var document = new CountersDocument
        {
            Evictions = [.. counters.Evictions],
            UnreportedEvictions = [.. counters.UnreportedEvictions],
            Expired = [.. counters.Expired],
            UnreportedQuarantines = [.. counters.UnreportedQuarantines.Select(q => new QuarantineDocument
            {
                File = q.File,
                QuarantinedAs = q.QuarantinedAs,
                IntactRecords = q.IntactRecords,
                DamagedBytes = q.DamagedBytes,
                Reason = q.Reason,
            })],
            UnreportedDeadLetters = [.. counters.UnreportedDeadLetters.Select(d => new DeadLetterDocument
            {
                Record = d.Record,
                Class = (int)d.Class,
                AlertId = d.AlertId,
                Reason = d.Reason,
            })],
        };
        DurableFile.Write(path, JsonSerializer.SerializeToUtf8Bytes(document, CountersJsonContext.Default.CountersDocument), sync: sync);
    }

    private static long[] Fit(long[]? values)
    {
        var result = new long[OutboxCounters.Classes];
        if (values is not null)
        {
            Array.Copy(values, result, Math.Min(values.Length, result.Length));
        }

        return result;
    }
}

internal sealed class CountersDocument
{
    public long[]? Evictions { get; set; }

    public long[]? UnreportedEvictions { get; set; }

    public long[]? Expired { get; set; }

    public List<QuarantineDocument>? UnreportedQuarantines { get; set; }

    public List<DeadLetterDocument>? UnreportedDeadLetters { get; set; }
}

internal sealed class DeadLetterDocument
{
    public long Record { get; set; }

    public int Class { get; set; }

    public Guid? AlertId { get; set; }

    public string? Reason { get; set; }
}

internal sealed class QuarantineDocument
{
    public string? File { get; set; }

    public string? QuarantinedAs { get; set; }

    public int IntactRecords { get; set; }

    public long DamagedBytes { get; set; }

    public string? Reason { get; set; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(CountersDocument))]
internal sealed partial class CountersJsonContext : JsonSerializerContext;
