using System.Security.Claims;
using EdgeGateway.Core.Alerts;
using EdgeGateway.Host.Setup.Doctor;
using EdgeGateway.Supervision.Health;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Host.Diagnostics;

/// <summary>The page's API: one group, login required on everything but login itself.</summary>
internal static class DiagnosticsEndpoints
{
    public const string LoginPolicy = "diagnostics-login";
    public const string CsrfHeader = "X-CSRF-TOKEN";
    public const string LoggerCategory = "EdgeGateway.Host.Diagnostics";
    private const int MaxTechnicianName = 64;

    public static void Map(IEndpointRouteBuilder routes)
    {
        // Probes for systemd, a load balancer or a technician's curl: no login, and only states and numbers.
        routes.MapGet("/healthz", (GatewayHealth health) => Probe(health.Liveness())).AllowAnonymous();
        routes.MapGet("/readyz", (GatewayHealth health) => Probe(health.Readiness())).AllowAnonymous();

        var api = routes.MapGroup("/api").RequireAuthorization();
        api.MapGet("/csrf", Csrf).AllowAnonymous();
        api.MapPost("/login", LoginAsync).AllowAnonymous().RequireRateLimiting(LoginPolicy).AddEndpointFilter(RequireCsrfToken);
        api.MapPost("/logout", LogoutAsync).AddEndpointFilter(RequireCsrfToken);
        api.MapGet("/session", (ClaimsPrincipal user) => TypedResults.Ok(new { user = user.Identity?.Name }));

        api.MapGet("/status", (StatusReporter status) => TypedResults.Ok(status.Current()));
        api.MapGet("/status/history", (StatusReporter status) => TypedResults.Ok(status.History()));
        api.MapGet("/events", Events);
        api.MapGet("/logs", (LogTail tail, long? after) => TypedResults.Ok(tail.Lines(after ?? 0)));

        api.MapGet("/cameras", Cameras);
        api.MapGet("/cameras/{id}/frame.jpg", CameraFrame);

        api.MapGet("/elevator", Elevator);
        api.MapPost("/elevator/maintenance", CheckInAsync).AddEndpointFilter(RequireCsrfToken);

        api.MapGet("/alerts", (RecentAlerts alerts) => TypedResults.Ok(alerts.List()));
        api.MapGet("/alerts/{id:guid}/snapshot.jpg", AlertSnapshot);
        api.MapGet("/alerts/{id:guid}/clip.mp4", AlertClip);
        api.MapPost("/alerts/test", TestAlertAsync).AddEndpointFilter(RequireCsrfToken);

        api.MapGet("/doctor", (PageDoctor doctor) => doctor.Last is { } last ? Results.Ok(last) : Results.NoContent());
        api.MapPost("/doctor/run", RunDoctorAsync).AddEndpointFilter(RequireCsrfToken);

        CommissioningEndpoints.Map(api);

        // Unknown API paths answer 401 too without a session, so nothing about the API leaks.
        api.Map("/{**path}", () => TypedResults.NotFound());
    }

    private static JsonHttpResult<HealthReport> Probe(HealthReport report) =>
        TypedResults.Json(report, statusCode: report.Ok ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);

    private static Ok<CsrfView> Csrf(HttpContext context, IAntiforgery antiforgery)
    {
        var tokens = antiforgery.GetAndStoreTokens(context);
        return TypedResults.Ok(new CsrfView(tokens.RequestToken!, CsrfHeader));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> LoginAsync(
        LoginRequest request,
        HttpContext context,
        IOptionsMonitor<DiagnosticsOptions> options,
        PageSessions sessions,
        ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger(LoggerCategory);
        var address = context.Connection.RemoteIpAddress?.ToString() ?? "local";
        var hash = options.CurrentValue.PasswordHash;
        if (string.IsNullOrEmpty(hash))
        {
            Log.NoPassword(logger);
            return Coded(
                StatusCodes.Status401Unauthorized,
                "no technician password is set on this box",
                "no_password",
                "run `sudo edgegw provision --force` on the box; it asks for the technician password");
        }

        // PBKDF2 takes a while on purpose; keep it off the request thread's critical path.
        var ok = request.Password is { Length: > 0 and <= 256 } password
                 && await Task.Run(() => TechnicianPassword.Verify(password, hash), context.RequestAborted);
        if (!ok)
        {
            Log.LoginFailed(logger, address);
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "wrong password");
        }

        await context.SignInAsync(DiagnosticsAuth.Scheme, PageSessions.Principal(sessions.Open()));
        Log.LoggedIn(logger, address);
        return TypedResults.NoContent();
    }

    private static async Task<NoContent> LogoutAsync(HttpContext context, ClaimsPrincipal user, PageSessions sessions)
    {
        ArgumentNullException.ThrowIfNull(user);
        // Ended at the box too, so a copy of the cookie is worth nothing afterwards.
        sessions.End(user.FindFirst(PageSessions.SessionIdClaim)?.Value);
        await context.SignOutAsync(DiagnosticsAuth.Scheme);
        return TypedResults.NoContent();
    }

    private static ServerSentEventsResult<string> Events(
        LiveFeed feed,
        StatusReporter status,
        IHostApplicationLifetime lifetime,
        HttpContext context)
    {
        // The stream ends when the page goes or the gateway stops, so shutdown never waits on a tab.
        var ends = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        context.Response.RegisterForDispose(ends);
        return TypedResults.ServerSentEvents(feed.Subscribe("status", status.Current(), ends.Token));
    }

    private static Results<Ok<IReadOnlyList<Core.Health.CameraHealth>>, NotFound<ProblemDetails>> Cameras(GatewayParts parts) =>
        parts.Cameras is { } cameras
            ? TypedResults.Ok(cameras.GetHealth())
            : TypedResults.NotFound(Problem("this box has no cameras"));

    private static Results<FileContentHttpResult, NotFound<ProblemDetails>> CameraFrame(string id, GatewayParts parts, HttpContext context)
    {
        if (parts.Cameras is not { } cameras || !cameras.TryGetLatestAnnotatedJpeg(id, out var jpeg) || jpeg.IsEmpty)
        {
            return TypedResults.NotFound(Problem($"no analysed frame from camera '{id}' yet"));
        }

        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.File(jpeg.ToArray(), "image/jpeg");
    }

    private static Results<Ok<ElevatorView>, NotFound<ProblemDetails>> Elevator(GatewayParts parts)
    {
        if (parts.Elevator is not { } elevator)
        {
            return TypedResults.NotFound(Problem("this box has no elevator monitor"));
        }

        return TypedResults.Ok(new ElevatorView(elevator.GetSnapshot(), elevator.StateDiagramMermaid));
    }

    private static async Task<Results<Ok<ElevatorView>, NotFound<ProblemDetails>, ValidationProblem>> CheckInAsync(
        MaintenanceRequest request,
        GatewayParts parts,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        if (parts.Elevator is not { } elevator)
        {
            return TypedResults.NotFound(Problem("this box has no elevator monitor"));
        }

        var technician = request.Technician?.Trim();
        if (string.IsNullOrEmpty(technician) || technician.Length > MaxTechnicianName || technician.Any(char.IsControl))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["technician"] = [$"expected the technician's name or badge number, 1 to {MaxTechnicianName} characters"],
            });
        }

        await elevator.CheckInMaintenanceAsync(technician, cancellationToken);
        var logger = loggers.CreateLogger(LoggerCategory);
        Log.MaintenanceCheckIn(logger, technician);
        return TypedResults.Ok(new ElevatorView(elevator.GetSnapshot(), elevator.StateDiagramMermaid));
    }

    private static Results<FileContentHttpResult, NotFound> AlertSnapshot(Guid id, RecentAlerts alerts) =>
        alerts.TryGetSnapshot(id, out var jpeg) ? TypedResults.File(jpeg.ToArray(), "image/jpeg") : TypedResults.NotFound();

    /// <summary>The alert's clip from the box's evidence folder, with Range; 404 while it is still being recorded.</summary>
    private static Results<PhysicalFileHttpResult, NotFound> AlertClip(Guid id, IServiceProvider services) =>
        services.GetService<EdgeGateway.Core.Evidence.EvidenceFolder>()?.ClipPath(id) is { } path && File.Exists(path)
            ? TypedResults.PhysicalFile(path, "video/mp4", enableRangeProcessing: true)
            : TypedResults.NotFound();

    private static async Task<Results<Ok<TestAlertView>, ProblemHttpResult>> TestAlertAsync(
        GatewayParts parts,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        if (parts.AlertSink is not { } sink)
        {
            return Coded(StatusCodes.Status503ServiceUnavailable, "the uplink is not running on this box; no alert can be sent", "no_uplink");
        }

        var draft = new AlertDraft(AlertKinds.Test, AlertSeverity.Info, AlertState.Raised, new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["source"] = "diagnostics",
        });
        var alert = await sink.PublishAsync(draft, cancellationToken);
        var logger = loggers.CreateLogger(LoggerCategory);
        Log.TestAlert(logger, alert.Id);
        return TypedResults.Ok(new TestAlertView(alert.Id, alert.Sequence, alert.Kind));
    }

    private static async Task<Ok<DoctorReport>> RunDoctorAsync(PageDoctor doctor, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var report = await doctor.RunAsync(cancellationToken);
        var logger = loggers.CreateLogger(LoggerCategory);
        var (passed, warned, failed) = (report.Count(DoctorStatus.Pass), report.Count(DoctorStatus.Warn), report.Count(DoctorStatus.Fail));
        Log.DoctorRan(logger, passed, warned, failed);
        return TypedResults.Ok(report);
    }

    /// <summary>State-changing requests must echo the antiforgery token in <see cref="CsrfHeader"/>.</summary>
    internal static async ValueTask<object?> RequireCsrfToken(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var antiforgery = invocation.HttpContext.RequestServices.GetRequiredService<IAntiforgery>();
        if (!await antiforgery.IsRequestValidAsync(invocation.HttpContext))
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status400BadRequest,
                title: "missing or invalid CSRF token",
                detail: $"send the token from GET /api/csrf in the {CsrfHeader} header; reload the page if it is old");
        }

        return await next(invocation);
    }

    /// <summary>A problem with a stable <c>code</c>, so the page can say it in the technician's language.</summary>
    internal static ProblemHttpResult Coded(int status, string title, string code, string? detail = null) =>
        TypedResults.Problem(statusCode: status, title: title, detail: detail, extensions: new Dictionary<string, object?> { ["code"] = code });

    private static ProblemDetails Problem(string title) => new() { Title = title, Status = StatusCodes.Status404NotFound };
}

public sealed record CsrfView(string Token, string HeaderName);

public sealed record ElevatorView(Core.Health.ElevatorSnapshot Snapshot, string Mermaid);
