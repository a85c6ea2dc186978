namespace CloudRelay.Settings;

/// <summary><c>Relay:Console</c>: sessions, login limits and attachments of the operators' console.</summary>
public sealed class RelayConsoleOptions
{
    /// <summary>A login lasts at most this long, however active.</summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(12);

    /// <summary>A login unused for this long ends.</summary>
    public TimeSpan SessionIdle { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Failed logins for one operator name within <see cref="LoginFailureWindow"/> before that name is refused.</summary>
    public int LoginFailuresPerName { get; set; } = 5;

    /// <summary>Failed logins from one client address within <see cref="LoginFailureWindow"/> before that address is refused.</summary>
    public int LoginFailuresPerAddress { get; set; } = 20;

    public TimeSpan LoginFailureWindow { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Failed logins from all addresses within <see cref="LoginFailureWindow"/>; past it each address gets one.</summary>
    public int LoginFailuresGlobal { get; set; } = 200;

    /// <summary>Password checks (each a 210,000-round PBKDF2) running at once; a login past them gets 503 with Retry-After.</summary>
    public int MaxConcurrentLoginChecks { get; set; } = 2;

    /// <summary>Live feeds (<c>/console/events</c>) one login may hold open; each polls the database every second.</summary>
    public int LiveFeedsPerSession { get; set; } = 4;

    /// <summary>Live feeds open at once on this relay instance, from all logins.</summary>
    public int MaxLiveFeeds { get; set; } = 64;

    /// <summary>Largest rectification attachment (JPEG, PNG or PDF).</summary>
    public long MaxAttachmentBytes { get; set; } = 5L * 1024 * 1024;

    internal IEnumerable<string> Problems()
    {
        foreach (var (key, value) in new[] { ("SessionLifetime", SessionLifetime), ("SessionIdle", SessionIdle), ("LoginFailureWindow", LoginFailureWindow) })
        {
            if (value <= TimeSpan.Zero)
            {
                yield return $"Relay:Console:{key} '{value}' is invalid; expected a positive time span such as 00:30:00";
            }
        }

        foreach (var (key, value) in new[]
                 {
                     ("LoginFailuresPerName", LoginFailuresPerName), ("LoginFailuresPerAddress", LoginFailuresPerAddress), ("LoginFailuresGlobal", LoginFailuresGlobal),
                     ("MaxConcurrentLoginChecks", MaxConcurrentLoginChecks), ("LiveFeedsPerSession", LiveFeedsPerSession), ("MaxLiveFeeds", MaxLiveFeeds),
                 })
        {
            if (value < 1)
            {
                yield return $"Relay:Console:{key} '{value}' is invalid; expected a whole number of at least 1";
            }
        }

        if (MaxAttachmentBytes is < 1024 or > 100L * 1024 * 1024)
        {
            yield return $"Relay:Console:MaxAttachmentBytes '{MaxAttachmentBytes}' is invalid; expected 1024-104857600";
        }
    }
}
