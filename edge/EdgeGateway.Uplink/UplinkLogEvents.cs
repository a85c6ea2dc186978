namespace EdgeGateway.Uplink;

/// <summary>
/// Every log event id of this assembly, in one registry: each <c>[LoggerMessage]</c> takes its id from here, no two
/// share one, and tests name them. Ranges per component keep ids unique across the program's assemblies.
/// </summary>
public static class UplinkLogEvents
{
    /// <summary>FileOutboxStore.WriteFailed.</summary>
    public const int StoreWriteFailed = 201;

    /// <summary>FileOutboxStore.ReadFailed.</summary>
    public const int StoreReadFailed = 202;

    /// <summary>MqttUplinkTransport.Connected.</summary>
    public const int LinkConnected = 301;

    /// <summary>MqttUplinkTransport.ConnectFailed.</summary>
    public const int LinkConnectFailed = 302;

    /// <summary>MqttUplinkTransport.Disconnected.</summary>
    public const int LinkDisconnected = 303;

    /// <summary>MqttUplinkTransport.PublishFailed.</summary>
    public const int LinkPublishFailed = 304;

    /// <summary>MqttUplinkTransport.GoodbyeFailed.</summary>
    public const int LinkGoodbyeFailed = 305;

    /// <summary>MqttUplinkTransport.SubscribeRefused.</summary>
    public const int LinkSubscribeRefused = 306;

    /// <summary>UplinkService.SendLoopFailed.</summary>
    public const int ServiceSendLoopFailed = 401;

    /// <summary>FileOutboxStore.TailCut.</summary>
    public const int StoreTailCut = 206;

    /// <summary>FileOutboxStore.QuarantinePruned.</summary>
    public const int StoreQuarantinePruned = 207;

    /// <summary>GroupCommitWriter.DiskFull.</summary>
    public const int StoreDiskFull = 203;

    /// <summary>GroupCommitWriter.DiskFree.</summary>
    public const int StoreDiskFree = 204;

    /// <summary>GroupCommitWriter.RemovalsLost.</summary>
    public const int StoreRemovalsLost = 205;

    /// <summary>FileOutboxStore.DeadLetterMoveFinished.</summary>
    public const int StoreDeadLetterMoveFinished = 1310;

    /// <summary>GroupCommitWriter.CompactionFailed.</summary>
    public const int StoreCompactionFailed = 1311;

    /// <summary>GroupCommitWriter.CompactionResumed.</summary>
    public const int StoreCompactionResumed = 1312;
}
