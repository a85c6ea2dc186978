using Microsoft.Extensions.Options;

namespace EdgeGateway.Host.Diagnostics;

/// <summary>One line per problem: the key, the value, what was expected.</summary>
internal sealed class DiagnosticsOptionsValidator : IValidateOptions<DiagnosticsOptions>
{
    public ValidateOptionsResult Validate(string? name, DiagnosticsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        if (!DiagnosticsListener.TryParse(options.Url, out var listener, out var urlProblem))
        {
            problems.Add($"Diagnostics:Url = '{options.Url}': {urlProblem}");
        }
        else if (listener.Https && options.CertificateFiles is null)
        {
            problems.Add("Diagnostics:CertificatePath = '': expected a PEM certificate file, or Storage:DataDir so the box makes its own, because Diagnostics:Url is https");
        }

        if (!string.IsNullOrEmpty(options.CertificatePath) && !File.Exists(options.CertificatePath))
        {
            problems.Add($"Diagnostics:CertificatePath = '{options.CertificatePath}': expected an existing PEM certificate file");
        }

        if (!string.IsNullOrEmpty(options.CertificateKeyPath) && !File.Exists(options.CertificateKeyPath))
        {
            problems.Add($"Diagnostics:CertificateKeyPath = '{options.CertificateKeyPath}': expected an existing PEM private key file");
        }

        if (!string.IsNullOrEmpty(options.PasswordHash) && !TechnicianPassword.IsWellFormed(options.PasswordHash))
        {
            problems.Add("Diagnostics:PasswordHash = (hidden): expected 'pbkdf2-sha512$<iterations>$<salt>$<hash>' as written by `edgegw provision`");
        }

        if (options.LoginAttemptsPerMinute is < 1 or > 1000)
        {
            problems.Add($"Diagnostics:LoginAttemptsPerMinute = '{options.LoginAttemptsPerMinute}': expected 1 to 1000");
        }

        if (options.SampleInterval < TimeSpan.FromSeconds(1) || options.SampleInterval > TimeSpan.FromMinutes(5))
        {
            problems.Add($"Diagnostics:SampleInterval = '{options.SampleInterval}': expected between 00:00:01 and 00:05:00");
        }

        if (options.PushInterval < TimeSpan.FromMilliseconds(100) || options.PushInterval > TimeSpan.FromMinutes(1))
        {
            problems.Add($"Diagnostics:PushInterval = '{options.PushInterval}': expected between 00:00:00.1 and 00:01:00");
        }

        if (Commissioning.BoxTime.Resolve(options.TimeZone) is null)
        {
            problems.Add($"Diagnostics:TimeZone = '{options.TimeZone}': expected an IANA time zone such as Asia/Shanghai, or empty for the system's");
        }

        if (options.SessionIdle < TimeSpan.FromMinutes(1))
        {
            problems.Add($"Diagnostics:SessionIdle = '{options.SessionIdle}': expected at least 00:01:00");
        }

        if (options.SessionLifetime < TimeSpan.FromMinutes(1) || options.SessionLifetime > TimeSpan.FromDays(7))
        {
            problems.Add($"Diagnostics:SessionLifetime = '{options.SessionLifetime}': expected between 00:01:00 and 7.00:00:00");
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
