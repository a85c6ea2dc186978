using Microsoft.Extensions.Logging;

namespace EdgeGateway.Host.Diagnostics;

internal static partial class Log
{
    [LoggerMessage(EventId = HostLogEvents.PageLoggedIn, Level = LogLevel.Information, Message = "Technician logged in from {Address}")]
    public static partial void LoggedIn(ILogger logger, string address);

    [LoggerMessage(EventId = HostLogEvents.PageLoginFailed, Level = LogLevel.Warning, Message = "Failed technician login from {Address}")]
    public static partial void LoginFailed(ILogger logger, string address);

    [LoggerMessage(EventId = HostLogEvents.PageNoPassword, Level = LogLevel.Warning, Message = "Login refused: no technician password is set (Diagnostics:PasswordHash); run `edgegw provision`")]
    public static partial void NoPassword(ILogger logger);

    [LoggerMessage(EventId = HostLogEvents.PageRateLimited, Level = LogLevel.Warning, Message = "Too many login attempts from {Address}; refused for a minute")]
    public static partial void RateLimited(ILogger logger, string address);

    [LoggerMessage(EventId = HostLogEvents.PageMaintenanceCheckIn, Level = LogLevel.Information, Message = "Maintenance check-in by {Technician}")]
    public static partial void MaintenanceCheckIn(ILogger logger, string technician);

    [LoggerMessage(EventId = HostLogEvents.PageTestAlert, Level = LogLevel.Information, Message = "Test alert {AlertId} sent from the diagnostics page")]
    public static partial void TestAlert(ILogger logger, Guid alertId);

    [LoggerMessage(EventId = HostLogEvents.PageDoctorRan, Level = LogLevel.Information, Message = "Doctor run from the diagnostics page: {Passed} pass, {Warned} warn, {Failed} fail")]
    public static partial void DoctorRan(ILogger logger, int passed, int warned, int failed);

    [LoggerMessage(EventId = HostLogEvents.PageSessionRefused, Level = LogLevel.Information, Message = "Page session refused: {Reason}; the technician logs in again")]
    public static partial void SessionRefused(ILogger logger, string reason);

    [LoggerMessage(EventId = HostLogEvents.PageSignalCheckStarted, Level = LogLevel.Information, Message = "Signal check started on the diagnostics page: {Inputs} inputs to toggle")]
    public static partial void SignalCheckStarted(ILogger logger, int inputs);

    [LoggerMessage(EventId = HostLogEvents.PageSignalCheckFinished, Level = LogLevel.Information, Message = "Signal check finished: {Seen} of {Inputs} inputs seen")]
    public static partial void SignalCheckFinished(ILogger logger, int seen, int inputs);

    [LoggerMessage(EventId = HostLogEvents.PageReportMade, Level = LogLevel.Information, Message = "Commissioning report made for technician {Technician} (signed: {Signed})")]
    public static partial void ReportMade(ILogger logger, string technician, bool signed);
}
