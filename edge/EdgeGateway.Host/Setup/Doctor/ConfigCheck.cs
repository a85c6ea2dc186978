using EdgeGateway.Host.Configuration;

namespace EdgeGateway.Host.Setup.Doctor;

/// <summary>The config file parses, every installer-facing field is valid, and secrets are private.</summary>
internal sealed class ConfigCheck(InstallCatalog catalog) : IDoctorCheck
{
    public string Name => "config";

    public Task<IReadOnlyList<DoctorResult>> RunAsync(DoctorContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var results = new List<DoctorResult>();
        var fix = context.ConfigPath is { } path
            ? $"edit {path}, or re-run `edgegw provision --config {path} --force`"
            : "fix the gateway config, or re-run `edgegw provision --force`";
        if (context.ConfigPath is { } file)
        {
            if (GatewayConfigFile.Check(file) is { } unreadable)
            {
                results.Add(DoctorResult.Fail(Name, unreadable, fix));
                return Task.FromResult<IReadOnlyList<DoctorResult>>(results);
            }

            if (context.Settings.HoldsSecrets && GatewayConfigFile.IsReadableByOthers(file))
            {
                results.Add(DoctorResult.Fail(Name, $"{file} holds secrets but other users can read it", $"chmod 600 {file}"));
            }
        }

        // The installer's own rules, then run's: each field is checked by one owner, so no line repeats.
        IEnumerable<string> problems = [.. GatewaySettingsValidator.Validate(context.Settings, catalog).Select(p => p.ToString()),
            .. StartupValidation.Problems(context.Configuration)];
        foreach (var problem in problems)
        {
            results.Add(DoctorResult.Fail(Name, problem, fix));
        }

        if (results.Count == 0)
        {
            var settings = context.Settings;
            results.Add(DoctorResult.Pass(
                Name,
                $"device {settings.DeviceId} at {settings.SiteId}: {settings.Cameras.Count} camera(s), board {settings.Board ?? "none"}, broker {settings.Broker ?? "none"}"));
        }

        return Task.FromResult<IReadOnlyList<DoctorResult>>(results);
    }
}
