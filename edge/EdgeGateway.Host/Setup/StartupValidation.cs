using System.Text.RegularExpressions;
using EdgeGateway.Host.Gateway;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Host.Setup;

/// <summary>
/// What `edgegw run` would refuse at start: every component's own option validators, run against
/// a config without starting anything. Provision and doctor add these lines to their own.
/// </summary>
internal static partial class StartupValidation
{
    public static IReadOnlyList<string> Problems(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        using var provider = GatewayServiceCollectionExtensions.BuildGatewayServices(configuration, console: false);
        try
        {
            provider.GetService<IStartupValidator>()?.Validate();
            return [];
        }
        catch (OptionsValidationException ex)
        {
            return [.. ex.Failures];
        }
        catch (AggregateException ex)
        {
            return [.. ex.Flatten().InnerExceptions.SelectMany(e => e is OptionsValidationException o ? o.Failures : [e.Message])];
        }
    }

    /// <summary>The config key a problem line starts with, to drop a second line about the same key.</summary>
    public static string KeyOf(string line) => KeyPattern().Match(line) is { Success: true } match ? match.Value : line;

    /// <summary>The installer's own lines, then the components' lines about keys not already named.</summary>
    public static IReadOnlyList<string> Merge(IEnumerable<ConfigProblem> own, IEnumerable<string> components)
    {
        var lines = own.Select(p => p.ToString()).ToList();
        var keys = lines.Select(KeyOf).ToHashSet(StringComparer.Ordinal);
        lines.AddRange(components.Where(line => keys.Add(KeyOf(line))));
        return lines;
    }

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_]*(?::[A-Za-z0-9_]+)*")]
    private static partial Regex KeyPattern();
}
