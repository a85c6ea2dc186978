using System.Text.Json;
using EdgeGateway.DurableFiles;

namespace EdgeGateway.Core.Evidence;

/// <summary>
/// The box's evidence on disk, apart from the outbox: <c>{DataDir}/evidence/clips/{alertId}.mp4</c> and the
/// uploads still to do in <c>pending/</c>. Its own budget (<c>Evidence:BudgetMB</c>), so clips never crowd out alarms.
/// </summary>
public sealed class EvidenceFolder
{
    private readonly Lock _gate = new();
    private TaskCompletionSource _added = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public EvidenceFolder(string dataDir)
    {
        Root = Path.Combine(Path.GetFullPath(dataDir), "evidence");
        Clips = Path.Combine(Root, "clips");
        Pending = Path.Combine(Root, "pending");
        Directory.CreateDirectory(Clips);
        Directory.CreateDirectory(Pending);
    }

    public string Root { get; }

    public string Clips { get; }

    public string Pending { get; }

    public string ClipPath(Guid alertId) => Path.Combine(Clips, $"{alertId:D}.mp4");

    /// <summary>Durably records an item; <paramref name="sync"/> false for progress that may be redone after a power cut.</summary>
    public void Save(EvidenceItem item, bool sync = true)
    {
        ArgumentNullException.ThrowIfNull(item);
        DurableFile.Write(ItemPath(item.AlertId), JsonSerializer.SerializeToUtf8Bytes(item, EvidenceItemJson.Default.EvidenceItem), sync: sync);
    }

    public void Add(EvidenceItem item)
    {
        Save(item);
        TaskCompletionSource added;
        lock (_gate)
        {
            added = _added;
            _added = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        added.TrySetResult();
    }

    public void Remove(Guid alertId) => File.Delete(ItemPath(alertId));

    public bool IsPending(Guid alertId) => File.Exists(ItemPath(alertId));

    /// <summary>The oldest waiting item, or null; an unreadable file is set aside as <c>.bad</c> so it never blocks the rest.</summary>
    public EvidenceItem? Oldest()
    {
        EvidenceItem? oldest = null;
        foreach (var file in Directory.EnumerateFiles(Pending, "*.json"))
        {
            EvidenceItem? item;
            try
            {
                item = JsonSerializer.Deserialize(File.ReadAllBytes(file), EvidenceItemJson.Default.EvidenceItem);
            }
            catch (Exception ex) when (ex is JsonException or IOException)
            {
                File.Move(file, file + ".bad", overwrite: true);
                continue;
            }

            if (item is not null && (oldest is null || item.CreatedMs < oldest.CreatedMs))
            {
                oldest = item;
            }
        }

        return oldest;
    }

    public int PendingCount => Directory.EnumerateFiles(Pending, "*.json").Count();

    /// <summary>Completes when an item is added, or after <paramref name="timeout"/>.</summary>
    public async Task WaitForItemAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        Task added;
        lock (_gate)
        {
            added = _added.Task;
        }

        await Task.WhenAny(added, Task.Delay(timeout, time, cancellationToken)).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
    }

    private string ItemPath(Guid alertId) => Path.Combine(Pending, $"{alertId:D}.json");
}
