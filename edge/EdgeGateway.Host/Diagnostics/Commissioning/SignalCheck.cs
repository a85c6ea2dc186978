using System.Text.Json;
using System.Text.Json.Serialization;
using EdgeGateway.DurableFiles;

namespace EdgeGateway.Host.Diagnostics.Commissioning;

/// <summary>One input of the elevator during a signal check: its level at the start, when it first changed, when it came back.</summary>
public sealed record SignalCheckInput(string Input, bool Baseline, DateTimeOffset? SeenAt, DateTimeOffset? RestoredAt);

/// <summary>
/// The technician's signal check during a visit: each elevator input toggled in turn and seen by the
/// box, with the time. Kept in <c>{Storage:DataDir}/commissioning/signal-check.json</c> for the report.
/// </summary>
public sealed record SignalCheck(bool Active, DateTimeOffset StartedAt, DateTimeOffset? FinishedAt, IReadOnlyList<SignalCheckInput> Inputs)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public int Seen => Inputs.Count(i => i.SeenAt is not null);

    public static string PathIn(string dataDir) => Path.Combine(dataDir, "commissioning", "signal-check.json");

    /// <summary>The last check recorded on this box; null when none. A damaged file is one line in <paramref name="problem"/>.</summary>
    public static SignalCheck? Read(string dataDir, out string? problem)
    {
        problem = null;
        var path = PathIn(dataDir);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<SignalCheck>(File.ReadAllBytes(path), Json);
        }
        catch (JsonException ex)
        {
            problem = $"{path} cannot be read ({ex.Message}); expected the signal check the page recorded; run the check again";
            return null;
        }
    }

    public void Write(string dataDir)
    {
        var path = PathIn(dataDir);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        DurableFile.Write(path, JsonSerializer.SerializeToUtf8Bytes(this, Json));
    }
}

