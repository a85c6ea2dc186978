using Microsoft.Extensions.Logging;

namespace EdgeGateway.Core.Outbox;

/// <summary>The send loop's and its notices' log lines; both write under the <see cref="OutboxForwarder"/> category.</summary>
internal static partial class OutboxForwarderLog
{
    [LoggerMessage(EventId = CoreLogEvents.ForwarderRefused, Level = LogLevel.Warning, Message = "Broker refused {Class} record {Id}: {Reason}; held aside while the records behind it go on: dead-lettered if the broker takes one sent after it, else sent again in {Seconds:F1} s")]
    public static partial void Refused(ILogger logger, OutboxClass @class, long id, string reason, double seconds);

    [LoggerMessage(EventId = CoreLogEvents.ForwarderEvictionsReported, Level = LogLevel.Warning, Message = "Reported {Count} outbox evictions upstream as alert {AlertId}")]
    public static partial void EvictionsReported(ILogger logger, long count, Guid alertId);

    [LoggerMessage(EventId = CoreLogEvents.ForwarderDeadLetterFailed, Level = LogLevel.Warning, Message = "Could not publish an outbox notice for record {Id}: {Error}; trying again later")]
    public static partial void DeadLetterFailed(ILogger logger, long id, string error);

    [LoggerMessage(EventId = CoreLogEvents.ForwarderRefusedEverything, Level = LogLevel.Warning, Message = "Broker refused {Count} records in a row and confirmed none sent after them ({Reason}): it refuses everything (check its ACL and quotas); nothing dead-lettered, holding everything back for {Seconds:F1} s")]
    public static partial void RefusedEverything(ILogger logger, int count, string reason, double seconds);

    [LoggerMessage(EventId = CoreLogEvents.ForwarderStorageReportFailed, Level = LogLevel.Warning, Message = "Could not queue storage_full ({State}) upstream: {Error}; trying again every 250 ms until deliveries make room")]
    public static partial void StorageReportFailed(ILogger logger, string state, string error);

    [LoggerMessage(EventId = CoreLogEvents.ForwarderDeadLetterReported, Level = LogLevel.Warning, Message = "Reported dead letter {Id} upstream as alert {AlertId}")]
    public static partial void DeadLetterReported(ILogger logger, long id, Guid alertId);

    [LoggerMessage(EventId = CoreLogEvents.ForwarderQuarantineReported, Level = LogLevel.Warning, Message = "Reported quarantined store file {File} upstream as alert {AlertId}")]
    public static partial void QuarantineReported(ILogger logger, string file, Guid alertId);
}
