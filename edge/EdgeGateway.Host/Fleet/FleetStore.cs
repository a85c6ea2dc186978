using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeGateway.Contracts.Fleet;
using EdgeGateway.DurableFiles;

namespace EdgeGateway.Host.Fleet;

/// <summary>A health watch in progress: the version being watched, when it started and how many starts it has outlived.</summary>
internal sealed record FleetWatch(long Version, string Sha256, DateTimeOffset Started, int FailedStarts);

/// <summary>
/// The one owner of <c>{Storage:DataDir}/fleet/</c>: the document in force, the last good one, the health watch in
/// progress and the last report. Every file is written durably and atomically (temp, fsync, rename) and mode 600,
/// since documents may carry camera URLs with passwords. A file that cannot be read is one line to
/// <paramref name="problem"/> and counts as absent: the box then runs on its own file rather than not at all.
/// </summary>
internal sealed class FleetStore(string dataDir, Action<string> problem)
{
    public const string FolderName = "fleet";
    private const string InForceFile = "in-force.json";
    private const string LastGoodFile = "last-good.json";
    private const string WatchFile = "watch.json";
    private const string ReportFile = "last-report.json";

    public string Folder { get; } = Path.Combine(Path.GetFullPath(dataDir), FolderName);

    public DesiredConfig? InForce() => ReadDesired(InForceFile);

    public DesiredConfig? LastGood() => ReadDesired(LastGoodFile);

    public ConfigReport? LastReport()
    {
        var bytes = ReadBytes(ReportFile);
        if (bytes is null)
        {
            return null;
        }

        if (ConfigReport.TryDecode(bytes, out var report, out var why))
        {
            return report;
        }

        problem($"fleet file '{PathOf(ReportFile)}' is ignored: {why}");
        return null;
    }

    public FleetWatch? Watch()
    {
        var bytes = ReadBytes(WatchFile);
        if (bytes is null)
        {
            return null;
        }

        try
        {
            if (JsonNode.Parse(bytes) is JsonObject root
                && root["version"]?.GetValue<long>() is long version
                && root["sha256"]?.GetValue<string>() is { } sha
                && root["startedMs"]?.GetValue<long>() is long started
                && root["failedStarts"]?.GetValue<int>() is int failed)
            {
                return new FleetWatch(version, sha, DateTimeOffset.FromUnixTimeMilliseconds(started), failed);
            }
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
        {
            // Reported below, like a file of the wrong shape.
        }

        problem($"fleet file '{PathOf(WatchFile)}' is ignored: expected {{\"version\", \"sha256\", \"startedMs\", \"failedStarts\"}}");
        return null;
    }

    /// <summary>Before a document is applied: it is in force and watched from <paramref name="now"/>, both on disk.</summary>
    public void BeginApply(DesiredConfig desired, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(desired);
        Write(InForceFile, desired.Encode());
        SaveWatch(new FleetWatch(desired.Version, desired.Sha256, now, 0));
    }

    public void SaveWatch(FleetWatch watch)
    {
        ArgumentNullException.ThrowIfNull(watch);
        Write(WatchFile, JsonSerializer.SerializeToUtf8Bytes(new JsonObject
        {
            ["version"] = watch.Version,
            ["sha256"] = watch.Sha256,
            ["startedMs"] = watch.Started.ToUnixTimeMilliseconds(),
            ["failedStarts"] = watch.FailedStarts,
        }));
    }

    /// <summary>The watch passed: the document in force becomes the last good one.</summary>
    public void Commit()
    {
        if (InForce() is { } inForce)
        {
            Write(LastGoodFile, inForce.Encode());
        }

        Delete(WatchFile);
    }

    /// <summary>The watch failed: the last good document is in force again (none: the box's own file alone); returns it.</summary>
    public DesiredConfig? RollBack()
    {
        var lastGood = LastGood();
        if (lastGood is null)
        {
            Delete(InForceFile);
        }
        else
        {
            Write(InForceFile, lastGood.Encode());
        }

        Delete(WatchFile);
        return lastGood;
    }

    public void SaveReport(ConfigReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        Write(ReportFile, report.Encode());
    }

    /// <summary>
    /// What <c>run</c> starts on, decided before its host is built: a watch that a previous start left unfinished
    /// counts one failed start, and at <paramref name="maxFailedStarts"/> the box goes back to its last good document
    /// and keeps a <c>rolled_back</c> report to send once connected.
    /// </summary>
    public DesiredConfig? StartRun(int maxFailedStarts, DateTimeOffset now)
    {
        if (Watch() is not { } watch)
        {
            return InForce();
        }

        var failed = watch.FailedStarts + 1;
        if (failed < maxFailedStarts)
        {
            SaveWatch(watch with { FailedStarts = failed });
            return InForce();
        }

        var lastGood = RollBack();
        SaveReport(new ConfigReport(watch.Version, watch.Sha256, FleetConfigStatus.RolledBack,
            [string.Create(CultureInfo.InvariantCulture, $"the service did not finish its health watch in {failed} starts; back to {Describe(lastGood)}")],
            [], now.ToUnixTimeMilliseconds()));
        return lastGood;
    }

    /// <summary>A document as people read it: its version, or the box's own file.</summary>
    public static string Describe(DesiredConfig? desired) =>
        desired is null ? "the box's own config file" : string.Create(CultureInfo.InvariantCulture, $"fleet version {desired.Version}");

    private DesiredConfig? ReadDesired(string name)
    {
        var bytes = ReadBytes(name);
        if (bytes is null)
        {
            return null;
        }

        if (DesiredConfig.TryDecode(bytes, out var desired, out var why))
        {
            return desired;
        }

        problem($"fleet file '{PathOf(name)}' is ignored: {why}");
        return null;
    }

    private byte[]? ReadBytes(string name)
    {
        var path = PathOf(name);
        try
        {
            return File.Exists(path) ? File.ReadAllBytes(path) : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            problem($"fleet file '{path}' is ignored: {ex.Message}");
            return null;
        }
    }

    private void Write(string name, byte[] bytes)
    {
        Directory.CreateDirectory(Folder);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        DurableFile.Write(PathOf(name), bytes, DurableFile.Private);
    }

    private void Delete(string name)
    {
        var path = PathOf(name);
        if (File.Exists(path))
        {
            File.Delete(path);
            DurableFile.SyncDirectory(Folder);
        }
    }

    private string PathOf(string name) => Path.Combine(Folder, name);
}
