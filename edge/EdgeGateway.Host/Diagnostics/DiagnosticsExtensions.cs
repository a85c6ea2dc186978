using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using EdgeGateway.Core.Configuration;

namespace EdgeGateway.Host.Diagnostics;

/// <summary>
/// The technician's page inside the gateway process. Call <see cref="AddDiagnostics"/> on the
/// builder's services and <see cref="MapDiagnostics"/> on the built app. Cameras, elevator and
/// uplink are read through their monitor ports when registered; each is optional.
/// </summary>
public static class DiagnosticsExtensions
{
    public static IServiceCollection AddDiagnostics(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddOptions<DiagnosticsOptions>().BindConfiguration(DiagnosticsOptions.SectionName)
            .Configure(options => options.DataDir = StorageOptions.DataDirIn(configuration))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<DiagnosticsOptions>, DiagnosticsOptionsValidator>();
        services.AddSingleton<IConfigureOptions<KestrelServerOptions>, DiagnosticsKestrelSetup>();
        services.TryAddSingleton(TimeProvider.System);

        services.AddSingleton<GatewayParts>();
        services.TryAddSingleton<GatewayHealth>();
        services.AddSingleton<PageSessions>();
        services.AddSingleton<LiveFeed>();
        services.AddSingleton<LogTail>();
        services.AddSingleton<ILoggerProvider>(sp => sp.GetRequiredService<LogTail>());
        services.AddSingleton<RecentAlerts>();
        services.AddHostedService(sp => sp.GetRequiredService<RecentAlerts>());
        services.AddSingleton<StatusReporter>();
        services.AddHostedService(sp => sp.GetRequiredService<StatusReporter>());
        services.AddSingleton<PageDoctor>();
        services.AddSingleton<Commissioning.SignalCheckRecorder>();
        services.AddHostedService(sp => sp.GetRequiredService<Commissioning.SignalCheckRecorder>());

        // Sessions survive a restart when the keys live in the data folder.
        var dataProtection = services.AddDataProtection().SetApplicationName("edgegw");
        dataProtection.PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(StorageOptions.DataDirIn(configuration), "page-keys")));

        services.AddAuthentication(DiagnosticsAuth.Scheme).AddCookie(DiagnosticsAuth.Scheme, cookie =>
        {
            cookie.Cookie.Name = DiagnosticsAuth.SessionCookie;
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Strict;
            cookie.SlidingExpiration = true;
            cookie.Events.OnRedirectToLogin = context => Status(context.Response, StatusCodes.Status401Unauthorized);
            cookie.Events.OnRedirectToAccessDenied = context => Status(context.Response, StatusCodes.Status403Forbidden);
            // The cookie alone is not enough: the box must still hold the session (logout, password change, lifetime).
            cookie.Events.OnValidatePrincipal = PageSessions.ValidateAsync;
        });
        services.AddOptions<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions>(DiagnosticsAuth.Scheme)
            .Configure<IOptions<DiagnosticsOptions>>((cookie, diagnostics) =>
            {
                cookie.ExpireTimeSpan = diagnostics.Value.SessionIdle;
                cookie.Cookie.SecurePolicy = CookiePolicy(diagnostics.Value);
            });
        services.AddAuthorization();

        services.AddAntiforgery(antiforgery =>
        {
            antiforgery.HeaderName = DiagnosticsEndpoints.CsrfHeader;
            antiforgery.Cookie.Name = DiagnosticsAuth.CsrfCookie;
            antiforgery.Cookie.SameSite = SameSiteMode.Strict;
            antiforgery.Cookie.HttpOnly = true;
        });
        services.AddOptions<AntiforgeryOptions>()
            .Configure<IOptions<DiagnosticsOptions>>((antiforgery, diagnostics) => antiforgery.Cookie.SecurePolicy = CookiePolicy(diagnostics.Value));

        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.AddPolicy(DiagnosticsEndpoints.LoginPolicy, context =>
            {
                var attempts = context.RequestServices.GetRequiredService<IOptions<DiagnosticsOptions>>().Value.LoginAttemptsPerMinute;
                return RateLimitPartition.GetFixedWindowLimiter(
                    context.Connection.RemoteIpAddress?.ToString() ?? "local",
                    _ => new FixedWindowRateLimiterOptions { PermitLimit = attempts, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 });
            });
            limiter.OnRejected = async (rejected, cancellationToken) =>
            {
                var http = rejected.HttpContext;
                var logger = http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(DiagnosticsEndpoints.LoggerCategory);
                Log.RateLimited(logger, http.Connection.RemoteIpAddress?.ToString() ?? "local");
                var retry = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromMinutes(1);
                http.Response.Headers.RetryAfter = ((int)Math.Ceiling(retry.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                await http.Response.WriteAsJsonAsync(
                    new { title = "too many login attempts", detail = $"wait {Math.Ceiling(retry.TotalSeconds):0} s before trying again", status = 429, retryAfterSeconds = (int)Math.Ceiling(retry.TotalSeconds) },
                    cancellationToken);
            };
        });
        return services;
    }

    public static WebApplication MapDiagnostics(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.Use(SecurityHeaders);
        // Named here so they run after the headers are set: the answers they refuse (401, 403) carry them too.
        app.UseAuthentication();
        app.UseAuthorization();
        var files = new EmbeddedFileProvider(typeof(DiagnosticsExtensions).Assembly, "EdgeGateway.Host.wwwroot");
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions { FileProvider = files });
        app.UseRateLimiter();
        DiagnosticsEndpoints.Map(app);
        return app;
    }

    /// <summary>Secure cookies, except on a page explicitly configured as plain http:// on loopback (where they could not be sent).</summary>
    private static CookieSecurePolicy CookiePolicy(DiagnosticsOptions options) =>
        DiagnosticsListener.TryParse(options.Url, out var listener, out _) && !listener.Https
            ? CookieSecurePolicy.SameAsRequest
            : CookieSecurePolicy.Always;

    private static Task SecurityHeaders(HttpContext context, Func<Task> next)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy =
            "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'";
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        // What the page shows (frames, logs, the box's state) is never kept by a browser or a proxy.
        headers.CacheControl = "no-store";
        headers["Referrer-Policy"] = "no-referrer";
        return next();
    }

    private static Task Status(HttpResponse response, int status)
    {
        response.StatusCode = status;
        return Task.CompletedTask;
    }
}
