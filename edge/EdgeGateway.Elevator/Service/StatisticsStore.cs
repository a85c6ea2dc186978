using EdgeGateway.Core.Elevator;
using EdgeGateway.DurableFiles;

namespace EdgeGateway.Elevator.Service;

/// <summary>
/// The run statistics across restarts: <c>elevator-statistics.json</c> under the data directory, replaced
/// durably (<see cref="DurableFile"/>) each time they go upstream and when the service stops.
/// </summary>
public sealed class StatisticsStore(string dataDirectory)
{
    public const string FileName = "elevator-statistics.json";

    public string Path { get; } = System.IO.Path.Combine(dataDirectory, FileName);

    /// <summary>The stored statistics, or null when there are none (or the file is unreadable).</summary>
    public ElevatorStatistics? Load()
    {
        try
        {
            return File.Exists(Path) ? ElevatorStatistics.TryDecode(File.ReadAllBytes(Path)) : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public void Save(ElevatorStatistics statistics)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        Directory.CreateDirectory(dataDirectory);
        DurableFile.Write(Path, statistics.Encode());
    }
}
