using System.Buffers;
using CloudRelay.Ingest;
using CloudRelay.Database;
using EdgeGateway.Contracts;
using EdgeGateway.Contracts.Fleet;
using Microsoft.Extensions.Logging;

namespace CloudRelay.Fleet;

/// <summary>
/// Takes what a box reports on <c>config/reported</c> (through <see cref="MessageRouter"/>, for both broker heads):
/// decoded with the contract's <see cref="ConfigReport.TryDecode"/> and kept as the device's latest report. A bad
/// payload is refused with its one line and counted like any other refusal.
/// </summary>
public sealed partial class FleetReports(IFleetStore store, DeviceMessageIngestor ingestor, TimeProvider time, ILogger<FleetReports> logger)
{
    public async Task<IngestResult> HandleReportedAsync(EdgeTopic topic, ReadOnlySequence<byte> payload, CancellationToken cancellationToken)
    {
        if (payload.Length > ConfigReport.MaxBytes)
        {
            return ingestor.Reject(topic, RejectReasons.Oversized, $"config report of {payload.Length} bytes is refused; expected at most {ConfigReport.MaxBytes}");
        }

        if (!ConfigReport.TryDecode(payload.ToArray(), out var report, out var problem))
        {
            return ingestor.Reject(topic, RejectReasons.Malformed, problem!);
        }

        try
        {
            await store.SetReportedAsync(topic.Site, topic.Device, report!, time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken);
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException or IOException)
        {
            // Not acknowledged: the box sends its report again.
            return new IngestResult(IngestOutcome.Failed, Error: ex.Message);
        }

        if (report!.Status is FleetConfigStatus.Invalid or FleetConfigStatus.RolledBack)
        {
            Log.ReportedProblem(logger, $"{topic.Site}/{topic.Device}", report.Version, report.Status, report.Lines.Count > 0 ? report.Lines[0] : string.Empty);
        }

        return new IngestResult(IngestOutcome.Stored);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = RelayLogEvents.FleetReportedProblem, Level = LogLevel.Warning, Message = "Device {Device} reported fleet configuration version {Version} as {Status}: {Line}")]
        public static partial void ReportedProblem(ILogger logger, string device, long version, string status, string line);
    }
}
