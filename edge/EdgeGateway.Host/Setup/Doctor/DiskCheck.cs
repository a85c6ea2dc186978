namespace EdgeGateway.Host.Setup.Doctor;

/// <summary>Free space where the outbox and snapshots live.</summary>
internal sealed class DiskCheck : IDoctorCheck
{
    public const long FailBelowBytes = 256L * 1024 * 1024;
    public const long WarnBelowBytes = 1024L * 1024 * 1024;

    public string Name => "disk";

    public Task<IReadOnlyList<DoctorResult>> RunAsync(DoctorContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var directory = Core.GatewayPaths.DataDir(context.Settings.DataDir);
        var existing = directory;
        while (!Directory.Exists(existing) && Path.GetDirectoryName(existing) is { } parent)
        {
            existing = parent;
        }

        var drive = new DriveInfo(existing);
        var free = drive.AvailableFreeSpace;
        var detail = $"{Mib(free)} MiB free of {Mib(drive.TotalSize)} MiB at {directory}";
        DoctorResult result = free < FailBelowBytes
            ? DoctorResult.Fail(Name, detail, $"the outbox needs room to hold alerts through an outage; free space on {drive.Name} or move Storage:DataDir")
            : free < WarnBelowBytes
                ? DoctorResult.Warn(Name, detail, "under 1 GiB free: a long outage will evict snapshots early")
                : DoctorResult.Pass(Name, detail);
        var results = new List<DoctorResult> { result };
        var store = Path.Combine(Path.GetFullPath(directory), "outbox");
        if (Directory.Exists(store))
        {
            var inspection = Uplink.Segments.FileOutboxStore.Inspect(store);
            results.Add(inspection.StorageFull
                ? DoctorResult.Fail("storage_full", $"{inspection.AvailableBytes / 1024} KiB free at {store}, {inspection.ReserveBytes / 1024} KiB kept in reserve; {inspection.Pending.Count} records queued",
                    "new alarms are refused until the uplink drains the backlog or space is freed; check the broker link and what else fills the disk")
                : DoctorResult.Pass("storage_full", $"{inspection.AvailableBytes / 1024} KiB free for the outbox"));
            if (inspection.DeadLetters.Count > 0)
            {
                results.Add(DoctorResult.Warn("outbox dead letters", $"{inspection.DeadLetters.Count} records the broker refused, e.g. {inspection.DeadLetters[0].Reason}",
                    "see 'edgegw outbox dead-letters list'; fix the cause, then 'retry' or 'drop'"));
            }
        }

        return Task.FromResult<IReadOnlyList<DoctorResult>>(results);
    }

    private static long Mib(long bytes) => bytes / (1024 * 1024);
}
