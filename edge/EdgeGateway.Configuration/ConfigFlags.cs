using System.CommandLine;
using System.Globalization;

namespace EdgeGateway.Configuration;

/// <summary>
/// The flags of one verb that set a config key. Only the flags given on the command line reach the configuration,
/// so their defaults never hide what the file or the environment say.
/// </summary>
public sealed class ConfigFlags
{
    private readonly List<(Option Option, string Key, Func<ParseResult, string?> Value)> _flags = [];

    public ConfigFlags Map<T>(Option<T> option, string key)
    {
        _flags.Add((option, key, parse => Convert.ToString(parse.GetValue(option), CultureInfo.InvariantCulture)));
        return this;
    }

    /// <summary>Config key to value, for the flags given on this command line.</summary>
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
