using System.Globalization;
using System.Net;
using CloudRelay.Api;
using CloudRelay.Ingest;
using CloudRelay.Settings;
using CloudRelay.Database;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CloudRelay.OperatorConsole;

/// <summary>
/// The operators' console under <c>/console</c>: login, devices, cases, a case with its evidence and actions, attachments,
/// fleet configuration and the live feed. Served over HTTPS only (plain HTTP only from loopback on a relay set to
/// <c>Relay:Mqtt:AllowPlaintext</c>); every state-changing form carries a CSRF token; every page names its own files only.
/// </summary>
public static partial class ConsoleEndpoints
{
    private const string Root = ConsolePages.Root;

    /// <summary>Where a rectify form may grow beyond its attachment: the note and the form's own parts.</summary>
    private const long FormOverhead = 64 * 1024;

    private const string ContentSecurityPolicy =
        "default-src 'self'; img-src 'self'; media-src 'self'; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'";

    public static IEndpointRouteBuilder MapConsole(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var console = endpoints.MapGroup(Root).AddEndpointFilter(GuardAsync);
        console.MapGet("/", () => Results.Redirect($"{Root}/cases"));
        console.MapGet("/login", LoginPageAsync);
        console.MapPost("/login", LoginAsync);
        console.MapPost("/logout", LogoutAsync);
        console.MapPost("/language", LanguageAsync);
        console.MapGet("/devices", DevicesAsync);
        console.MapGet("/cases", CasesAsync);
        console.MapGet("/cases/{id:guid}", CaseAsync);
        console.MapPost("/cases/{id:guid}/{action}", ActAsync);
        console.MapGet("/snapshots/{id:guid}", SnapshotAsync);
        console.MapGet("/clips/{id:guid}", ClipAsync);
        console.MapGet("/attachments/{id:guid}", AttachmentAsync);
        console.MapGet("/operators", OperatorsPageAsync);
        console.MapPost("/operators", AddOperatorAsync);
        console.MapPost("/operators/{name}/remove", RemoveOperatorAsync);
        console.MapGet("/fleet", FleetAsync);
        console.MapGet("/health", HealthAsync);
        console.MapGet("/health/{site}/{device}", HealthDeviceAsync);
        console.MapGet("/fleet/devices/{site}/{device}", FleetDeviceAsync);
        console.MapGet("/fleet/layer", LayerEditorAsync);
        console.MapPost("/fleet/layer/preview", PreviewLayerAsync);
        console.MapPost("/fleet/layer/save", SaveLayerAsync);
        console.MapPost("/fleet/layer/clear", ClearLayerAsync);
        console.MapGet("/events", ConsoleLiveFeed.StreamAsync);
        console.MapGet("/static/{file}", ConsoleStaticFiles.Serve);
        return endpoints;
    }

    /// <summary>True when the console may be served on this connection: HTTPS, or loopback on a relay explicitly in clear.</summary>
    public static bool TransportAllowed(HttpContext http, RelayOptions options)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        return http.Request.IsHttps
            || (options.Mqtt.AllowPlaintext && http.Connection.RemoteIpAddress is { } remote && IPAddress.IsLoopback(remote));
    }

    /// <summary>Security headers on every console answer, and nothing at all in clear off loopback.</summary>
    private static async ValueTask<object?> GuardAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var headers = http.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        // Same-origin: the browser then sends this console its Origin (checked on forms), and no other site its addresses.
        headers["Referrer-Policy"] = "same-origin";
        headers.CacheControl = "no-store";
        var options = http.RequestServices.GetRequiredService<IOptions<RelayOptions>>().Value;
        if (!TransportAllowed(http, options))
        {
            var logger = Logger(http);
            var address = Address(http);
            Log.Refused(logger, "plain HTTP", http.Request.Path, address);
            var t = ConsoleText.For(http, null);
            return Page(ConsolePages.Message(t, null, t["https.required"]), StatusCodes.Status403Forbidden);
        }

        return await next(context);
    }

    private static async Task<IResult> LoginPageAsync(HttpContext http, ConsoleSessions sessions, CancellationToken cancellationToken)
    {
        if (await sessions.FindAsync(http, cancellationToken) is not null)
        {
            return Results.Redirect($"{Root}/cases");
        }

        var expired = http.Request.Query.ContainsKey("expired");
        var t = ConsoleText.For(http, null);
        return Page(ConsolePages.Login(t, ConsoleSessions.AnonymousCsrf(http), expired ? t["login.expired"] : null));
    }

    private static async Task<IResult> LoginAsync(HttpContext http, Operators operators, ConsoleSessions sessions, LoginThrottle throttle, CancellationToken cancellationToken)
    {
        var t = ConsoleText.For(http, null);
        var form = await ReadFormAsync(http, FormOverhead, cancellationToken);
        if (form is null || !ConsoleSessions.CsrfHolds(http, null, form[ConsoleSessions.CsrfField]))
        {
            return Refused(http, null, t, "CSRF token");
        }

        string name = form["name"].ToString().Trim();
        string password = form["password"].ToString();
        var address = Address(http);
        var logger = Logger(http);
        var remote = http.Connection.RemoteIpAddress;
        var settings = http.RequestServices.GetRequiredService<IOptions<RelayOptions>>().Value.Console;
        if (throttle.IsBlocked(name, remote))
        {
            Log.LoginThrottled(logger, address);
            http.Response.Headers.RetryAfter = ((int)Math.Ceiling(settings.LoginFailureWindow.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            return Page(ConsolePages.Login(t, ConsoleSessions.AnonymousCsrf(http), t["login.throttled"]), StatusCodes.Status429TooManyRequests);
        }

        OperatorRecord? who;
        // The password hash is the costly part: at most MaxConcurrentLoginChecks at once, the rest refused at once.
        using (var slot = throttle.TryStartCheck())
        {
            if (slot is null)
            {
                http.RequestServices.GetRequiredService<RelayCounters>().CountLimit(LimitNames.LoginChecksBusy);
                Log.LoginBusy(logger, address, settings.MaxConcurrentLoginChecks);
                http.Response.Headers.RetryAfter = "1";
                return Page(ConsolePages.Login(t, ConsoleSessions.AnonymousCsrf(http), t["login.busy"]), StatusCodes.Status503ServiceUnavailable);
            }

            who = await operators.CheckAsync(name, password, cancellationToken);
        }

        if (who is null)
        {
            throttle.RecordFailure(name, remote);
            Log.LoginRefused(logger, address);
            return Page(ConsolePages.Login(t, ConsoleSessions.AnonymousCsrf(http), t["login.failed"]), StatusCodes.Status401Unauthorized);
        }

        await sessions.StartAsync(http, who, cancellationToken);
        http.Response.Cookies.Delete(ConsoleSessions.AnonymousCsrfCookie, ConsoleSessions.Cookie(TimeSpan.Zero));
        Log.LoggedIn(logger, who.Name, who.Role, address);
        return Results.Redirect($"{Root}/cases", permanent: false, preserveMethod: false);
    }

    private static async Task<IResult> LogoutAsync(HttpContext http, ConsoleSessions sessions, CancellationToken cancellationToken)
    {
        var user = await sessions.FindAsync(http, cancellationToken);
        if (user is null)
        {
            return Results.Redirect($"{Root}/login");
        }

        var form = await ReadFormAsync(http, FormOverhead, cancellationToken);
        if (form is null || !ConsoleSessions.CsrfHolds(http, user, form[ConsoleSessions.CsrfField]))
        {
            return Refused(http, user, ConsoleText.For(http, user.Language), "CSRF token");
        }

        await sessions.EndAsync(http, user, cancellationToken);
        var logger = Logger(http);
        var address = Address(http);
        Log.LoggedOut(logger, user.Name, address);
        return Results.Redirect($"{Root}/login");
    }

    private static async Task<IResult> LanguageAsync(HttpContext http, ConsoleSessions sessions, IConsoleStore store, CancellationToken cancellationToken)
    {
        var user = await sessions.FindAsync(http, cancellationToken);
        var form = await ReadFormAsync(http, FormOverhead, cancellationToken);
        var language = form?["language"].ToString();
        if (form is null || !ConsoleSessions.CsrfHolds(http, user, form[ConsoleSessions.CsrfField]))
        {
            return Refused(http, user, ConsoleText.For(http, user?.Language), "CSRF token");
        }

        if (language is null || !ConsoleText.Languages.Contains(language))
        {
            return Results.Redirect($"{Root}/cases");
        }

        // Remembered in the browser, and for the operator wherever they log in next.
        http.Response.Cookies.Append(ConsoleText.LanguageCookie, language, ConsoleSessions.Cookie(TimeSpan.FromDays(365)));
        if (user is not null)
        {
            await store.SetOperatorLanguageAsync(user.Name, language, cancellationToken);
        }

        return Results.Redirect(BackTo(http, user is null ? $"{Root}/login" : $"{Root}/cases"));
    }

    /// <summary>The form, read within <paramref name="limit"/> bytes; null when it is larger or not a form.</summary>
    private static async Task<IFormCollection?> ReadFormAsync(HttpContext http, long limit, CancellationToken cancellationToken)
    {
        if (!http.Request.HasFormContentType || http.Request.ContentLength > limit)
        {
            return null;
        }

        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodyLimit)
        {
            bodyLimit.MaxRequestBodySize = limit;
        }

        try
        {
            return await http.Request.ReadFormAsync(new FormOptions { MultipartBodyLengthLimit = limit, BufferBodyLengthLimit = limit }, cancellationToken);
        }
        catch (Exception ex) when (ex is InvalidDataException or BadHttpRequestException or IOException)
        {
            return null;
        }
    }

    private static IResult Refused(HttpContext http, ConsoleUser? user, ConsoleText t, string reason)
    {
        var logger = Logger(http);
        var address = Address(http);
        Log.Refused(logger, reason, http.Request.Path, address);
        return Page(ConsolePages.Message(t, user, t["csrf.refused"]), StatusCodes.Status403Forbidden);
    }

    /// <summary>403 for a role that may not do this, logged with who asked.</summary>
    private static IResult Forbidden(HttpContext http, ConsoleUser user, ConsoleText t, string? message = null)
    {
        var logger = Logger(http);
        var address = Address(http);
        var reason = $"role {user.Role} of {user.Name}";
        Log.Refused(logger, reason, http.Request.Path, address);
        return Page(ConsolePages.Message(t, user, message ?? t["console.forbidden"]), StatusCodes.Status403Forbidden);
    }

    /// <summary>To the login page; a session cookie the relay no longer knows is dropped, and the page says the login expired.</summary>
    private static IResult ToLogin(HttpContext http)
    {
        if (!http.Request.Cookies.ContainsKey(ConsoleSessions.CookieName))
        {
            return Results.Redirect($"{Root}/login");
        }

        http.Response.Cookies.Delete(ConsoleSessions.CookieName, ConsoleSessions.Cookie(TimeSpan.Zero));
        return Results.Redirect($"{Root}/login?expired=1");
    }

    /// <summary>Back to the console page the form was on, never anywhere else.</summary>
    private static string BackTo(HttpContext http, string fallback) =>
        Uri.TryCreate(http.Request.Headers.Referer.ToString(), UriKind.Absolute, out var referer)
        && referer.Host == http.Request.Host.Host && referer.AbsolutePath.StartsWith($"{Root}/", StringComparison.Ordinal)
        && !referer.AbsolutePath.StartsWith($"{Root}/login", StringComparison.Ordinal)
            ? referer.PathAndQuery
            : fallback;

    internal static IResult Page(string html, int status = StatusCodes.Status200OK) =>
        Results.Content(html, "text/html; charset=utf-8", System.Text.Encoding.UTF8, status);

    internal static string Address(HttpContext http) => http.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    private static ILogger Logger(HttpContext http) => http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("CloudRelay.OperatorConsole");

    private static partial class Log
    {
        [LoggerMessage(EventId = RelayLogEvents.ConsoleLoggedIn, Level = LogLevel.Information, Message = "Console: {Operator} ({Role}) logged in from {Address}")]
        public static partial void LoggedIn(ILogger logger, string @operator, string role, string address);

        [LoggerMessage(EventId = RelayLogEvents.ConsoleLoginRefused, Level = LogLevel.Warning, Message = "Console: a login from {Address} was refused (wrong name or password)")]
        public static partial void LoginRefused(ILogger logger, string address);

        [LoggerMessage(EventId = RelayLogEvents.ConsoleLoginBusy, Level = LogLevel.Warning, Message = "Console: a login from {Address} was refused unchecked: {Max} password checks already running (Relay:Console:MaxConcurrentLoginChecks)")]
        public static partial void LoginBusy(ILogger logger, string address, int max);

        [LoggerMessage(EventId = RelayLogEvents.ConsoleLoginThrottled, Level = LogLevel.Warning, Message = "Console: a login from {Address} was refused unchecked: too many failures for that name or address")]
        public static partial void LoginThrottled(ILogger logger, string address);

        [LoggerMessage(EventId = RelayLogEvents.ConsoleLoggedOut, Level = LogLevel.Information, Message = "Console: {Operator} logged out from {Address}")]
        public static partial void LoggedOut(ILogger logger, string @operator, string address);

        [LoggerMessage(EventId = RelayLogEvents.ConsoleCaseActed, Level = LogLevel.Information, Message = "Console: {Operator} ({Role}) did {Action} on case {CaseId} (attachment: {WithAttachment}) from {Address}")]
        public static partial void CaseActed(ILogger logger, string @operator, string role, string action, Guid caseId, bool withAttachment, string address);

        [LoggerMessage(EventId = RelayLogEvents.ConsoleOperatorsChanged, Level = LogLevel.Information, Message = "Console: {Admin} did {Action} {Target} from {Address}")]
        public static partial void OperatorsChanged(ILogger logger, string admin, string action, string target, string address);

        [LoggerMessage(EventId = RelayLogEvents.ConsoleRefused, Level = LogLevel.Warning, Message = "Console: refused {Path} from {Address}: {Reason}")]
        public static partial void Refused(ILogger logger, string reason, string path, string address);
    }
}
