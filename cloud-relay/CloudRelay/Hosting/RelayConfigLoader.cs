using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Configuration;

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
        configFile is { Length: > 0 } && !OperatingSystem.IsWindows() && File.Exists(configFile)
        && (File.GetUnixFileMode(configFile) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead)) != 0
            ? Path.GetFullPath(configFile)
            : null;
}

/// <summary>
/// The flags of one verb that set a <c>Relay:*</c> key. Only the flags given on the command line reach the
/// configuration, so their defaults never hide what the file or the environment say.
/// </summary>
public sealed class RelayConfigFlags
{
    private readonly List<(Option Option, string Key, Func<ParseResult, string?> Value)> _flags = [];

    public RelayConfigFlags Map<T>(Option<T> option, string key)
    {
        _flags.Add((option, key, parse => Convert.ToString(parse.GetValue(option), CultureInfo.InvariantCulture)));
        return this;
    }

    /// <summary>Config key to value for the flags given on this command line.</summary>
    public Dictionary<string, string?> Given(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (option, key, value) in _flags)
        {
            if (parse.GetResult(option) is { Implicit: false })
            {
                values[key] = value(parse);
            }
        }

        return values;
    }
}
