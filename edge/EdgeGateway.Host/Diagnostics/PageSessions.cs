using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using EdgeGateway.DurableFiles;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Host.Diagnostics;

/// <summary>
/// The page's live sessions, held by the box and not only by the browser's cookie: a session ends for good at
/// logout, when the technician password changes, and <see cref="DiagnosticsOptions.SessionLifetime"/> after
/// login however active it was. With a data folder the list is kept in <c>{Storage:DataDir}/page-sessions</c>
/// (mode 600), so a restart keeps live sessions and never revives an ended one.
/// </summary>
internal sealed class PageSessions
{
    /// <summary>The claim in the session cookie naming its entry here.</summary>
    public const string SessionIdClaim = "edgegw.sid";

    /// <summary>More than any crew opens in a day; past it the oldest session ends.</summary>
    internal const int MaxSessions = 256;

    private readonly IOptionsMonitor<DiagnosticsOptions> _options;
    private readonly TimeProvider _time;
    private readonly string? _file;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Entry> _live = new(StringComparer.Ordinal);

    public PageSessions(IOptionsMonitor<DiagnosticsOptions> options, TimeProvider time)
    {
        _options = options;
        _time = time;
        if (options.CurrentValue.DataDir is { Length: > 0 } dataDir)
        {
            _file = Path.Combine(dataDir, "page-sessions");
            Load(_file);
        }
    }

    /// <summary>Records a new session for the current password and returns its id for the cookie.</summary>
    public string Open()
    {
        var id = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        lock (_gate)
        {
            Prune();
            while (_live.Count >= MaxSessions)
            {
                _live.Remove(_live.MinBy(e => e.Value.Issued).Key);
            }

            _live[id] = new Entry(_time.GetUtcNow(), PasswordFingerprint());
            Save();
        }

        return id;
    }

    /// <summary>Null when the session is live, else why it is not.</summary>
    public string? Refusal(string? id)
    {
        lock (_gate)
        {
            if (id is null || !_live.TryGetValue(id, out var entry))
            {
                return "ended";
            }

            if (!string.Equals(entry.Password, PasswordFingerprint(), StringComparison.Ordinal))
            {
                End(id);
                return "the technician password changed";
            }

            if (_time.GetUtcNow() - entry.Issued >= _options.CurrentValue.SessionLifetime)
            {
                End(id);
                return "older than Diagnostics:SessionLifetime";
            }

            return null;
        }
    }

    public void End(string? id)
    {
        lock (_gate)
        {
            if (id is not null && _live.Remove(id))
            {
                Save();
            }
        }
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _live.Count;
            }
        }
    }

    /// <summary>Cookie check on every request: a session the box no longer holds is signed out.</summary>
    public static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var sessions = context.HttpContext.RequestServices.GetRequiredService<PageSessions>();
        var id = context.Principal?.FindFirst(SessionIdClaim)?.Value;
        if (sessions.Refusal(id) is { } refusal)
        {
            var logger = context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(DiagnosticsEndpoints.LoggerCategory);
            Log.SessionRefused(logger, refusal);
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(DiagnosticsAuth.Scheme);
        }
    }

    /// <summary>A short hash of the stored password hash: enough to see that it changed, nothing to attack.</summary>
    private string PasswordFingerprint() =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(_options.CurrentValue.PasswordHash ?? string.Empty)), 0, 8);

    private void Prune()
    {
        var lifetime = _options.CurrentValue.SessionLifetime;
        var now = _time.GetUtcNow();
        foreach (var expired in _live.Where(e => now - e.Value.Issued >= lifetime).Select(e => e.Key).ToList())
        {
            _live.Remove(expired);
        }
    }

    private void Load(string file)
    {
        string[] lines;
        try
        {
            lines = File.Exists(file) ? File.ReadAllLines(file) : [];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return; // Unreadable: every session starts again at the login.
        }

        foreach (var fields in lines.Select(line => line.Split(' ')))
        {
            if (fields is [var id, var issued, var password]
                && long.TryParse(issued, NumberStyles.None, CultureInfo.InvariantCulture, out var ms))
            {
                _live[id] = new Entry(DateTimeOffset.FromUnixTimeMilliseconds(ms), password);
            }
        }
    }

    private void Save()
    {
        if (_file is null)
        {
            return;
        }

        var text = new StringBuilder();
        foreach (var (id, entry) in _live)
        {
            text.Append(CultureInfo.InvariantCulture, $"{id} {entry.Issued.ToUnixTimeMilliseconds()} {entry.Password}\n");
        }

        Directory.CreateDirectory(Path.GetDirectoryName(_file)!);
        DurableFile.Write(_file, Encoding.ASCII.GetBytes(text.ToString()), DurableFile.Private);
    }

    private readonly record struct Entry(DateTimeOffset Issued, string Password);

    /// <summary>The principal a login signs in: the technician, and the id of the session just opened.</summary>
    public static ClaimsPrincipal Principal(string sessionId) =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.Name, "technician"), new Claim(SessionIdClaim, sessionId)], DiagnosticsAuth.Scheme));
}
