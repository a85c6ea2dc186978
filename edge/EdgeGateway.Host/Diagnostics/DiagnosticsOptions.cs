namespace EdgeGateway.Host.Diagnostics;

/// <summary>The technician's page (section <c>Diagnostics</c>).</summary>
public sealed class DiagnosticsOptions
{
    public const string SectionName = "Diagnostics";

    public const string DefaultUrl = "https://0.0.0.0:8443";

    /// <summary>
    /// Where the page listens: <c>https://0.0.0.0:8443</c> by default. Plain <c>http://</c> only on loopback
    /// (e.g. <c>http://127.0.0.1:8080</c> behind an SSH tunnel), since the password and the session cross it.
    /// </summary>
    public string Url { get; set; } = DefaultUrl;

    /// <summary>The technician password as written by <c>edgegw provision</c> (PBKDF2, never the password).</summary>
    public string? PasswordHash { get; set; }

    /// <summary>
    /// PEM certificate for HTTPS; the self-signed one <c>edgegw provision</c> made. Empty: the box makes its own at
    /// first start in <c>{Storage:DataDir}/page-tls/</c>.
    /// </summary>
    public string? CertificatePath { get; set; }

    /// <summary>PEM private key of <see cref="CertificatePath"/>.</summary>
    public string? CertificateKeyPath { get; set; }

    /// <summary><c>Storage:DataDir</c>, where the page's own certificate goes when none is configured (not bound from this section).</summary>
    internal string? DataDir { get; set; }

    /// <summary>The certificate the page serves over HTTPS: configured, else the box's own in <see cref="DataDir"/>; null when neither.</summary>
    internal PageCertificate.Files? CertificateFiles => CertificatePath is { Length: > 0 } configured
        ? new PageCertificate.Files(configured, CertificateKeyPath is { Length: > 0 } key ? key : null)
        : DataDir is { Length: > 0 } dataDir ? PageCertificate.InDataDir(dataDir) : null;

    /// <summary>True when the page generates its own certificate rather than using a configured one.</summary>
    internal bool MakesOwnCertificate => string.IsNullOrEmpty(CertificatePath);

    /// <summary>Login attempts allowed per client address and minute; each costs a PBKDF2 run.</summary>
    public int LoginAttemptsPerMinute { get; set; } = 5;

    /// <summary>How long a session lasts without activity.</summary>
    public TimeSpan SessionIdle { get; set; } = TimeSpan.FromHours(8);

    /// <summary>How long a session lasts after login however active it is; then the technician logs in again.</summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(12);

    /// <summary>How often CPU, memory, temperature and backlog are sampled for the one-hour charts.</summary>
    public TimeSpan SampleInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the page's live stream pushes a status update.</summary>
    public TimeSpan PushInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The box's time zone as an IANA id (e.g. <c>Asia/Shanghai</c>): the page and the commissioning report show
    /// every time in it, with the zone named. Empty: the system's time zone.
    /// </summary>
    public string? TimeZone { get; set; }

    /// <summary>Not bound from this section: where <c>edgegw run</c> read its config, so the report finds device.key beside it.</summary>
    internal const string ConfigPathKey = "Host:ConfigPath";

    internal TimeZoneInfo BoxTimeZone => Commissioning.BoxTime.Resolve(TimeZone) ?? TimeZoneInfo.Utc;
}
