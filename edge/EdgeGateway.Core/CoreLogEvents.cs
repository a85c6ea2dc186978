namespace EdgeGateway.Core;

/// <summary>
/// Every log event id of this assembly, in one registry: each <c>[LoggerMessage]</c> takes its id from here, no two
/// share one, and tests name them. Ranges per component keep ids unique across the program's assemblies.
/// </summary>
public static class CoreLogEvents
{
    /// <summary>DurableOutbox.Recovered.</summary>
    public const int OutboxRecovered = 101;

    /// <summary>DurableOutbox.Evicted.</summary>
    public const int OutboxEvicted = 102;

    /// <summary>DurableOutbox.DroppedIncoming.</summary>
    public const int OutboxDroppedIncoming = 103;

    /// <summary>DurableOutbox.Expired.</summary>
    public const int OutboxExpired = 104;

    /// <summary>DurableOutbox.Quarantined.</summary>
    public const int OutboxQuarantined = 105;

    /// <summary>DurableOutbox.Unreadable.</summary>
    public const int OutboxUnreadable = 106;

    /// <summary>OutboxForwarder.Refused.</summary>
    public const int ForwarderRefused = 111;

    /// <summary>OutboxForwarder.EvictionsReported.</summary>
    public const int ForwarderEvictionsReported = 112;

    /// <summary>OutboxForwarder.QuarantineReported.</summary>
    public const int ForwarderQuarantineReported = 113;

    /// <summary>DurableOutbox.StorageFull.</summary>
    public const int OutboxStorageFull = 107;

    /// <summary>DurableOutbox.DeadLettered.</summary>
    public const int OutboxDeadLettered = 108;

    /// <summary>OutboxForwarder.DeadLetterFailed.</summary>
    public const int ForwarderDeadLetterFailed = 114;

    /// <summary>EvidenceCollector.Signed.</summary>
    public const int EvidenceSigned = 1510;

    /// <summary>EvidenceCollector.Failed.</summary>
    public const int EvidenceFailed = 1511;

    /// <summary>EvidenceUploader.Delivered.</summary>
    public const int EvidenceDelivered = 1512;

    /// <summary>EvidenceUploader.Refused.</summary>
    public const int EvidenceRefused = 1513;

    /// <summary>EvidenceUploader.ClipGivenUp.</summary>
    public const int EvidenceClipGivenUp = 1514;

    /// <summary>EvidenceRetention.Deleted.</summary>
    public const int EvidenceClipDeleted = 1515;

    /// <summary>OutboxForwarder.RefusedEverything.</summary>
    public const int ForwarderRefusedEverything = 1300;

    /// <summary>OutboxForwarder.DeadLetterReported.</summary>
    public const int ForwarderDeadLetterReported = 1301;

    /// <summary>OutboxForwarder.StorageReportFailed.</summary>
    public const int ForwarderStorageReportFailed = 1302;
}
