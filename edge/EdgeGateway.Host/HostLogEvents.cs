namespace EdgeGateway.Host;

/// <summary>
/// Every log event id of this assembly, in one registry: each <c>[LoggerMessage]</c> takes its id from here, no two
/// share one, and tests name them. Ranges per component keep ids unique across the program's assemblies.
/// </summary>
public static class HostLogEvents
{
    /// <summary>Log.LoggedIn.</summary>
    public const int PageLoggedIn = 7001;

    /// <summary>Log.LoginFailed.</summary>
    public const int PageLoginFailed = 7002;

    /// <summary>Log.NoPassword.</summary>
    public const int PageNoPassword = 7003;

    /// <summary>Log.RateLimited.</summary>
    public const int PageRateLimited = 7004;

    /// <summary>Log.MaintenanceCheckIn.</summary>
    public const int PageMaintenanceCheckIn = 7005;

    /// <summary>Log.TestAlert.</summary>
    public const int PageTestAlert = 7006;

    /// <summary>Log.DoctorRan.</summary>
    public const int PageDoctorRan = 7007;

    /// <summary>Log.SessionRefused.</summary>
    public const int PageSessionRefused = 7008;

    /// <summary>DiagnosticsListener.Log.Created.</summary>
    public const int PageCertificateCreated = 7010;

    /// <summary>DiagnosticsListener.Log.Serving.</summary>
    public const int PageCertificateServing = 7011;

    /// <summary>Log.SignalCheckStarted.</summary>
    public const int PageSignalCheckStarted = 1701;

    /// <summary>Log.SignalCheckFinished.</summary>
    public const int PageSignalCheckFinished = 1702;

    /// <summary>Log.ReportMade.</summary>
    public const int PageReportMade = 1703;
    /// <summary>FleetAgent.Log.Unreadable.</summary>
    public const int FleetUnreadable = 7101;

    /// <summary>FleetAgent.Log.Refused.</summary>
    public const int FleetRefused = 7102;

    /// <summary>FleetAgent.Log.Deferred.</summary>
    public const int FleetDeferred = 7103;

    /// <summary>FleetAgent.Log.Applying.</summary>
    public const int FleetApplying = 7104;

    /// <summary>FleetAgent.Log.Applied.</summary>
    public const int FleetApplied = 7105;

    /// <summary>FleetAgent.Log.RolledBack.</summary>
    public const int FleetRolledBack = 7106;

    /// <summary>FleetAgent.Log.ReportNotSent.</summary>
    public const int FleetReportNotSent = 7107;

    /// <summary>FleetAgent.Log.StepFailed.</summary>
    public const int FleetStepFailed = 7109;

    /// <summary>FleetServiceCollectionExtensions.Log.StoreProblem.</summary>
    public const int FleetStoreProblem = 7108;

    /// <summary>EvidenceService.Log.Ready.</summary>
    public const int EvidenceReady = 1530;

    /// <summary>HealthReporter.Log.StateChanged.</summary>
    public const int HealthStateChanged = 7201;

    /// <summary>HealthReporter.Log.Refused.</summary>
    public const int HealthReportRefused = 7202;
}
