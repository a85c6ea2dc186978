namespace EdgeGateway.Host.Diagnostics;

/// <summary>The technician's page (section <c>Diagnostics</c>).</summary>
public sealed class DiagnosticsOptions
{
    public const string SectionName = "Diagnostics";

    /// <summary>Where the page listens, e.g. <c>http://0.0.0.0:8080</c> or <c>https://0.0.0.0:8443</c>.</summary>
    public string Url { get; set; } = "http://0.0.0.0:8080";

    /// <summary>The technician password as written by <c>edgegw provision</c> (PBKDF2, never the password).</summary>
    public string? PasswordHash { get; set; }

    /// <summary>PEM certificate for HTTPS; the box's own certificate from provisioning.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>PEM private key of <see cref="CertificatePath"/>.</summary>
    public string? CertificateKeyPath { get; set; }

    /// <summary>Login attempts allowed per client address and minute; each costs a PBKDF2 run.</summary>
    public int LoginAttemptsPerMinute { get; set; } = 5;

    /// <summary>How long a session lasts without activity.</summary>
    public TimeSpan SessionIdle { get; set; } = TimeSpan.FromHours(8);

    /// <summary>How often CPU, memory, temperature and backlog are sampled for the one-hour charts.</summary>
    public TimeSpan SampleInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the page's live stream pushes a status update.</summary>
    public TimeSpan PushInterval { get; set; } = TimeSpan.FromSeconds(1);
}
