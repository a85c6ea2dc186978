using Microsoft.Extensions.Options;

namespace EdgeGateway.Host.Fleet;

/// <summary>
/// How the box treats a configuration from the relay (section <c>Fleet</c>, box-local: no fleet layer may set it).
/// </summary>
internal sealed class FleetOptions
{
    public const string SectionName = "Fleet";

    /// <summary>How long the health gates are watched after each apply before it counts as good.</summary>
    public TimeSpan HealthWatch { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>The longest an apply waits for a critical alarm of a part it would restart to clear.</summary>
    public TimeSpan MaxDeferral { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Starts that end before the watch finishes, after which the box goes back to its last good configuration.</summary>
    public int MaxFailedStarts { get; set; } = 2;

    /// <summary>How often the box publishes its health report on <c>…/health</c> (also at once on a change of state).</summary>
    public TimeSpan HealthInterval { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>One line per problem: the key, the value, what was expected.</summary>
internal sealed class FleetOptionsValidator : IValidateOptions<FleetOptions>
{
    public ValidateOptionsResult Validate(string? name, FleetOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        if (options.HealthWatch < TimeSpan.FromSeconds(1) || options.HealthWatch > TimeSpan.FromDays(1))
        {
            problems.Add($"Fleet:HealthWatch = '{options.HealthWatch}': expected 00:00:01 to 1.00:00:00");
        }

        if (options.MaxDeferral < TimeSpan.Zero || options.MaxDeferral > TimeSpan.FromDays(1))
        {
            problems.Add($"Fleet:MaxDeferral = '{options.MaxDeferral}': expected 00:00:00 to 1.00:00:00");
        }

        if (options.MaxFailedStarts is < 1 or > 100)
        {
            problems.Add($"Fleet:MaxFailedStarts = '{options.MaxFailedStarts}': expected 1 to 100");
        }

        if (options.HealthInterval < TimeSpan.FromSeconds(1) || options.HealthInterval > TimeSpan.FromHours(1))
        {
            problems.Add($"Fleet:HealthInterval = '{options.HealthInterval}': expected 00:00:01 to 01:00:00");
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
