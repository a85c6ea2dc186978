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
    /// <summary>EvidenceService.Log.Ready.</summary>
    public const int EvidenceReady = 1530;
}
