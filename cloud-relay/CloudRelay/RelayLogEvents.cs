namespace CloudRelay;

/// <summary>
/// Every log event id of this assembly, in one registry: each <c>[LoggerMessage]</c> takes its id from here, no two
/// share one, and tests name them. Ranges per component keep ids unique across the program's assemblies.
/// </summary>
public static class RelayLogEvents
{
    /// <summary>RelayServiceCollectionExtensions.Ready.</summary>
    public const int StorageReady = 1;

    /// <summary>RelayHost.ConfigReadableByOthers.</summary>
    public const int HostConfigReadableByOthers = 2;

    /// <summary>StoreMigrator.LegacyKeyMoved.</summary>
    public const int LegacyKeyMoved = 3;

    /// <summary>StoreMigrator.LegacyKeyConfigured.</summary>
    public const int LegacyKeyConfigured = 4;

    /// <summary>StoreMigrator.LegacyKeyNotAccepted.</summary>
    public const int LegacyKeyNotAccepted = 5;

    /// <summary>AlertWriter.CommitFailed.</summary>
    public const int WriterCommitFailed = 100;

    /// <summary>DeviceMessageIngestor.Rejected.</summary>
    public const int IngestRejected = 200;

    /// <summary>DeviceMessageIngestor.DeviceState.</summary>
    public const int IngestDeviceState = 201;

    /// <summary>DeviceMessageIngestor.StatusFailed.</summary>
    public const int IngestStatusFailed = 202;

    /// <summary>EmbeddedBroker.TlsStarted.</summary>
    public const int BrokerStarted = 300;

    /// <summary>EmbeddedBroker.ConnectRefused.</summary>
    public const int BrokerConnectRefused = 301;

    /// <summary>EmbeddedBroker.ConnectFailed.</summary>
    public const int BrokerConnectFailed = 302;

    /// <summary>EmbeddedBroker.AclDenied.</summary>
    public const int BrokerAclDenied = 303;

    /// <summary>EmbeddedBroker.PublishFailed.</summary>
    public const int BrokerPublishFailed = 304;

    /// <summary>EmbeddedBroker.DisconnectFailed.</summary>
    public const int BrokerDisconnectFailed = 305;

    /// <summary>EmbeddedBroker.ClientIdRefused.</summary>
    public const int BrokerClientIdRefused = 306;

    /// <summary>EmbeddedBroker.SessionRevoked.</summary>
    public const int BrokerSessionRevoked = 307;

    /// <summary>EmbeddedBroker.CredentialCheckFailed.</summary>
    public const int BrokerCredentialCheckFailed = 308;

    /// <summary>EmbeddedBroker.LimitHit.</summary>
    public const int BrokerLimitHit = 309;

    /// <summary>EmbeddedBroker.PlaintextStarted.</summary>
    public const int BrokerPlaintextStarted = 310;

    /// <summary>EmbeddedBroker.PlaintextOnly.</summary>
    public const int BrokerPlaintextOnly = 311;

    /// <summary>EmbeddedBroker.NoIdentity: a publish or subscribe from a session without a device identity.</summary>
    public const int BrokerNoIdentity = 312;

    /// <summary>FrontDoorServerAdapter.PacketTooLarge.</summary>
    public const int FrontDoorPacketTooLarge = 320;

    /// <summary>FrontDoorServerAdapter.ConnectTimedOut.</summary>
    public const int FrontDoorConnectTimedOut = 321;

    /// <summary>FrontDoorServerAdapter.AcceptFailed.</summary>
    public const int FrontDoorAcceptFailed = 322;

    /// <summary>WebhookForwarder.PlatformDown.</summary>
    public const int WebhookPlatformDown = 400;

    /// <summary>WebhookForwarder.PlatformBack.</summary>
    public const int WebhookPlatformBack = 401;

    /// <summary>WebhookForwarder.QueueFailed.</summary>
    public const int WebhookQueueFailed = 402;

    /// <summary>WebhookForwarder.StandingBy.</summary>
    public const int WebhookStandingBy = 403;

    /// <summary>WebhookForwarder.TookOver.</summary>
    public const int WebhookTookOver = 404;

    /// <summary>WebhookForwarder.SecretPerInstance.</summary>
    public const int WebhookSecretPerInstance = 405;

    /// <summary>WebhookForwarder.DeadLettered.</summary>
    public const int WebhookDeadLettered = 406;

    /// <summary>WebhookForwarder.DeadLetterFailed.</summary>
    public const int WebhookDeadLetterFailed = 407;

    /// <summary>SharedSubscriber.Connected.</summary>
    public const int SubscriberConnected = 500;

    /// <summary>SharedSubscriber.Disconnected.</summary>
    public const int SubscriberDisconnected = 501;

    /// <summary>SharedSubscriber.ConnectFailed.</summary>
    public const int SubscriberConnectFailed = 502;

    /// <summary>SharedSubscriber.NotStored.</summary>
    public const int SubscriberNotStored = 503;

    /// <summary>CaseTracker.Overdue.</summary>
    public const int CaseOverdue = 600;

    /// <summary>CaseTracker.TurnFailed.</summary>
    public const int CaseTurnFailed = 601;

    /// <summary>ConsoleEndpoints.LoggedIn.</summary>
    public const int ConsoleLoggedIn = 1600;

    /// <summary>ConsoleEndpoints.LoginRefused.</summary>
    public const int ConsoleLoginRefused = 1601;

    /// <summary>ConsoleEndpoints.LoginThrottled.</summary>
    public const int ConsoleLoginThrottled = 1602;

    /// <summary>ConsoleEndpoints.LoggedOut.</summary>
    public const int ConsoleLoggedOut = 1603;

    /// <summary>ConsoleEndpoints.CaseActed: an operator's action on a case (the audit line).</summary>
    public const int ConsoleCaseActed = 1604;

    /// <summary>ConsoleEndpoints.Refused: a request refused for its transport, CSRF token or role.</summary>
    public const int ConsoleRefused = 1605;

    /// <summary>ConsoleEndpoints.OperatorsChanged: an admin added or removed an operator in the console.</summary>
    public const int ConsoleOperatorsChanged = 1606;

    /// <summary>ConsoleEndpoints.LoginBusy: a login refused unchecked, the password checks all in use.</summary>
    public const int ConsoleLoginBusy = 1650;

    /// <summary>ConsoleLiveFeed.Refused: a live feed over the cap per login or in all.</summary>
    public const int ConsoleLiveFeedRefused = 1651;

    /// <summary>ClaimRateLimit.Throttled: claim attempts over the rate per address or in all.</summary>
    public const int ApiClaimThrottled = 1652;
    /// <summary>EvidenceVerifier.Verified.</summary>
    public const int EvidenceVerified = 1500;

    /// <summary>EvidenceVerifier.Mismatch: a manifest whose signature, key or hashes do not match.</summary>
    public const int EvidenceMismatch = 1501;

    /// <summary>EvidenceIngestor.ClipStored.</summary>
    public const int EvidenceClipStored = 1502;

    /// <summary>EvidenceRetention.Deleted.</summary>
    public const int EvidenceClipDeleted = 1503;

    /// <summary>EvidenceRetention.SweepFailed.</summary>
    public const int EvidenceSweepFailed = 1504;

    /// <summary>EvidenceRetention.PartDeleted: an unfinished clip past Relay:Evidence:PartTtl.</summary>
    public const int EvidencePartDeleted = 1505;

    /// <summary>FleetConfigService.LayerSet.</summary>
    public const int FleetLayerSet = 1700;

    /// <summary>FleetConfigService.LayerCleared.</summary>
    public const int FleetLayerCleared = 1701;

    /// <summary>FleetConfigService.LayerRefused: a layer refused whole (bad target, body, forbidden key or size).</summary>
    public const int FleetLayerRefused = 1702;

    /// <summary>FleetDelivery.Delivered: desired configurations handed to the broker after a change.</summary>
    public const int FleetDelivered = 1703;

    /// <summary>FleetDelivery.Failed: reading the layers or publishing failed; tried again at the next poll.</summary>
    public const int FleetDeliveryFailed = 1704;

    /// <summary>FleetReports.Reported: a device's report that is not 'applied' or 'pending'.</summary>
    public const int FleetReportedProblem = 1705;
}
