using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using EdgeGateway.Configuration;

namespace CloudRelay.Hosting;

/// <summary>
/// The relay's one configuration loader, used by every verb of <c>cloud-relay</c> and by in-process hosts, in
/// this order:
/// <list type="number">
/// <item>the JSON file (<c>--config</c>), whose <c>Relay</c> section holds the settings;</item>
/// <item>environment variables <c>RELAY_</c> + the key with <c>__</c> between sections, e.g. <c>RELAY_Relay__Mqtt__Port</c>;</item>
/// <item>command-line flags, only those actually given: a flag's default never overrides the file.</item>
/// </list>
/// </summary>
public static class RelayConfigLoader
{
    public const string EnvironmentPrefix = "RELAY_";

    /// <summary>File (when given), environment, then <paramref name="flags"/> (config key to value).</summary>
    public static IConfigurationRoot Load(string? configFile, IReadOnlyDictionary<string, string?>? flags = null)
    {
        var builder = new ConfigurationBuilder();
        if (configFile is { Length: > 0 })
        {
            var path = Path.GetFullPath(configFile);
            if (!File.Exists(path))
            {
                throw new FileNotFoundException($"config file '{path}' does not exist; expected a JSON file with a Relay section");
            }

            builder.AddJsonFile(path, optional: false, reloadOnChange: false);
        }

        builder.AddEnvironmentVariables(EnvironmentPrefix);
        builder.AddInMemoryCollection(flags ?? new Dictionary<string, string?>());
        try
        {
            return builder.Build();
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidDataException($"config file '{configFile}': {ex.InnerException?.Message ?? ex.Message}", ex);
        }
    }

    /// <summary>One line when a config file can be read by other users (it may hold secrets), else null.</summary>
    public static string? ExposureWarning(string? configFile) =>
        configFile is { Length: > 0 } && SecretsFile.IsReadableByOthers(configFile) ? Path.GetFullPath(configFile) : null;
}
