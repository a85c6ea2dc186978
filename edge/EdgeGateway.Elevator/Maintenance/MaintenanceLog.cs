using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace EdgeGateway.Elevator.Maintenance;

/// <summary>One technician visit.</summary>
public sealed record MaintenanceVisit(DateTimeOffset At, string Technician);

/// <summary>
/// Technician check-ins, appended one JSON line each to <c>maintenance.jsonl</c> under the data
/// directory and flushed to disk before the call returns, so a visit survives a power cut.
/// A torn last line (power lost mid-write) is skipped on reading.
/// </summary>
public sealed class MaintenanceLog
{
    public const string FileName = "maintenance.jsonl";
    private static readonly JsonSerializerOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private readonly Lock _gate = new();

    public MaintenanceLog(string dataDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        Path = System.IO.Path.Combine(dataDirectory, FileName);
    }

    public string Path { get; }

    /// <summary>Records a visit durably and returns it.</summary>
    public MaintenanceVisit CheckIn(string technician, DateTimeOffset at)
    {
        var name = technician?.Trim() ?? "";
        if (name.Length is 0 or > 100 || name.Any(char.IsControl))
        {
            throw new ArgumentException("technician: expected a name of 1 to 100 printable characters", nameof(technician));
        }

        var visit = new MaintenanceVisit(at, name);
        var line = JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["at"] = at.ToString("O", CultureInfo.InvariantCulture),
            ["technician"] = name,
        }, JsonOptions) + "\n";
        lock (_gate)
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
            using var stream = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read);
            stream.Write(Encoding.UTF8.GetBytes(line));
            stream.Flush(flushToDisk: true);
        }

        return visit;
    }

    /// <summary>The most recent visit, or null when none was recorded.</summary>
    public MaintenanceVisit? Last()
    {
        lock (_gate)
        {
            if (!File.Exists(Path))
            {
                return null;
            }

            MaintenanceVisit? last = null;
            foreach (var line in File.ReadLines(Path))
            {
                if (TryParse(line) is { } visit && (last is null || visit.At >= last.At))
                {
                    last = visit;
                }
            }

            return last;
        }
    }

    private static MaintenanceVisit? TryParse(string line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            return DateTimeOffset.TryParse(root.GetProperty("at").GetString(), CultureInfo.InvariantCulture, DateTimeStyles.None, out var at)
                && root.GetProperty("technician").GetString() is { Length: > 0 } technician
                ? new MaintenanceVisit(at, technician)
                : null;
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return null;
        }
    }
}
