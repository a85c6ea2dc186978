using System.Security.Cryptography;
using System.Text;
using CloudRelay.Settings;
using CloudRelay.Database;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace CloudRelay.OperatorConsole;

/// <summary>The operator behind a request, with the session's CSRF token every state-changing form must carry.</summary>
public sealed record ConsoleUser(string Name, string Role, string? Language, string Csrf, string TokenHash)
{
    public bool MayActOnCases => OperatorRoles.MayActOnCases(Role);

    public bool MayManageOperators => OperatorRoles.MayManageOperators(Role);

    public bool MayEditFleet => OperatorRoles.MayEditFleet(Role);
}

/// <summary>
/// Login sessions kept in the relay's database (so any instance on it knows them): the cookie carries a random token,
/// the database its SHA-256 and the session's CSRF token. A session ends at logout, after
/// <c>Relay:Console:SessionIdle</c> unused, after <c>Relay:Console:SessionLifetime</c> in all, or when its operator is removed.
/// </summary>
public sealed class ConsoleSessions(IConsoleStore store, IOptions<RelayOptions> options, TimeProvider time)
{
    public const string CookieName = "relay-console";

    /// <summary>The CSRF token of a visitor not yet logged in (login and language forms), as a double-submit cookie.</summary>
    public const string AnonymousCsrfCookie = "relay-console-csrf";

    public const string CsrfField = "_csrf";
    public const string CsrfHeader = "X-CSRF-Token";

    /// <summary>Seen-at is written at most this often, not on every request.</summary>
    private static readonly TimeSpan TouchResolution = TimeSpan.FromSeconds(10);

    private RelayConsoleOptions Settings => options.Value.Console;

    public async Task<ConsoleUser> StartAsync(HttpContext http, OperatorRecord who, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(who);
        var token = SecretTokens.NewToken();
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var session = new ConsoleSessionRecord(SecretTokens.Hash(token), who.Name, SecretTokens.NewToken(), now, now);
        // Each login clears the sessions that ended unseen, so the table holds only live ones.
        await store.RemoveExpiredSessionsAsync(now - (long)Settings.SessionLifetime.TotalMilliseconds, now - (long)Settings.SessionIdle.TotalMilliseconds, cancellationToken);
        await store.AddSessionAsync(session, cancellationToken);
        // A browser-session cookie: the relay decides when the session ends, and can then say so at the login.
        http.Response.Cookies.Append(CookieName, token, Cookie(null));
        return new ConsoleUser(who.Name, who.Role, who.Language, session.Csrf, session.TokenHash);
    }

    /// <summary>The request's operator, or null when there is no live session (an expired one is removed).</summary>
    /// <param name="activity">False for the live feed's own checks: an open feed alone does not keep a session alive.</param>
    public async Task<ConsoleUser?> FindAsync(HttpContext http, CancellationToken cancellationToken, bool activity = true)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (http.Request.Cookies[CookieName] is not { Length: > 0 } token)
        {
            return null;
        }

        var hash = SecretTokens.Hash(token);
        if (await store.FindSessionAsync(hash, cancellationToken) is not { } found)
        {
            return null;
        }

        var (session, who) = found;
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        if (now - session.CreatedMs >= Settings.SessionLifetime.TotalMilliseconds || now - session.SeenMs >= Settings.SessionIdle.TotalMilliseconds)
        {
            await store.RemoveSessionAsync(hash, cancellationToken);
            return null;
        }

        if (activity && now - session.SeenMs >= TouchResolution.TotalMilliseconds)
        {
            await store.TouchSessionAsync(hash, now, cancellationToken);
        }

        return new ConsoleUser(who.Name, who.Role, who.Language, session.Csrf, hash);
    }

    public async Task EndAsync(HttpContext http, ConsoleUser user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(user);
        await store.RemoveSessionAsync(user.TokenHash, cancellationToken);
        http.Response.Cookies.Delete(CookieName, Cookie(TimeSpan.Zero));
    }

    /// <summary>The CSRF token a visitor without a session must send back (made now when the visitor has none).</summary>
    public static string AnonymousCsrf(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (http.Request.Cookies[AnonymousCsrfCookie] is { Length: > 20 } existing)
        {
            return existing;
        }

        var token = SecretTokens.NewToken();
        http.Response.Cookies.Append(AnonymousCsrfCookie, token, Cookie(TimeSpan.FromHours(12)));
        return token;
    }

    /// <summary>
    /// True when a state-changing request carries the right CSRF token (form field or header) and, where the browser
    /// says where it comes from, comes from this console's own origin.
    /// </summary>
    public static bool CsrfHolds(HttpContext http, ConsoleUser? user, string? sent)
    {
        ArgumentNullException.ThrowIfNull(http);
        var origin = http.Request.Headers.Origin.ToString();
        if (origin.Length > 0 && !string.Equals(origin, $"{http.Request.Scheme}://{http.Request.Host}", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        sent ??= http.Request.Headers[CsrfHeader].ToString();
        var expected = user?.Csrf ?? http.Request.Cookies[AnonymousCsrfCookie];
        return !string.IsNullOrEmpty(expected) && !string.IsNullOrEmpty(sent)
            && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(sent), Encoding.UTF8.GetBytes(expected));
    }

    /// <summary>Secure, HttpOnly, SameSite=Strict, and only for the console's own paths.</summary>
    public static CookieOptions Cookie(TimeSpan? maxAge) => new()
    {
        Secure = true,
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        Path = "/console",
        MaxAge = maxAge,
        IsEssential = true,
    };
}
