using CloudRelay.Settings;
using System.Buffers;
using CloudRelay.Ingest;
using CloudRelay.Database;
using EdgeGateway.Contracts;
using Microsoft.Extensions.Options;
using ContractHealthReport = EdgeGateway.Contracts.Telemetry.HealthReport;

namespace CloudRelay.Health;

/// <summary>
/// Takes what a box publishes on <c>health</c> (through <see cref="MessageRouter"/>, for both broker heads): decoded with
/// the contract's <see cref="ContractHealthReport.TryDecode"/>, kept as the device's latest report and as its point for
/// the current <c>Relay:Fleet:HealthInterval</c>. A bad payload is refused with its one line and counted like any
/// other refusal. Points older than <see cref="History"/> are deleted at most once per interval.
/// </summary>
public sealed class HealthIngest(IHealthStore store, DeviceMessageIngestor ingestor, IOptions<RelayOptions> options, TimeProvider time)
{
    /// <summary>How much history the relay keeps per device.</summary>
    public static readonly TimeSpan History = TimeSpan.FromHours(24);

    private long _nextPruneMs = long.MinValue;

    public TimeSpan Interval => options.Value.Fleet.HealthInterval;

    public async Task<IngestResult> HandleHealthAsync(EdgeTopic topic, ReadOnlySequence<byte> payload, CancellationToken cancellationToken)
    {
        if (payload.Length > ContractHealthReport.MaxBytes)
        {
            return ingestor.Reject(topic, RejectReasons.Oversized,
                $"health report of {payload.Length} bytes is refused; expected at most {ContractHealthReport.MaxBytes}");
        }

        var bytes = payload.ToArray();
        if (!ContractHealthReport.TryDecode(bytes, out _, out var problem))
        {
            return ingestor.Reject(topic, RejectReasons.Malformed, problem!);
        }

        var nowMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        var intervalMs = (long)Interval.TotalMilliseconds;
        try
        {
            await store.SetHealthAsync(topic.Site, topic.Device, bytes, nowMs, nowMs - (nowMs % intervalMs), cancellationToken);
            await PruneIfDueAsync(nowMs, intervalMs, cancellationToken);
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException or IOException)
        {
            // Not acknowledged: the box sends its report again.
            return new IngestResult(IngestOutcome.Failed, Error: ex.Message);
        }

        return new IngestResult(IngestOutcome.Stored);
    }

    private async Task PruneIfDueAsync(long nowMs, long intervalMs, CancellationToken cancellationToken)
    {
        var due = Interlocked.Read(ref _nextPruneMs);
        // One report per interval pays for the range delete; the others only read the counter.
        if (nowMs < due || Interlocked.CompareExchange(ref _nextPruneMs, nowMs + intervalMs, due) != due)
        {
            return;
        }

        await store.DeleteHealthBeforeAsync(nowMs - (long)History.TotalMilliseconds, cancellationToken);
    }
}
