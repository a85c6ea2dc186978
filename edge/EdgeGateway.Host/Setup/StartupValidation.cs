using EdgeGateway.Host.Gateway;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Host.Setup;

/// <summary>
/// What `edgegw run` would refuse at start: every component's own option validators, run against
/// a config without starting anything. Provision and doctor add these lines to their own.
/// </summary>
internal static class StartupValidation
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
}
