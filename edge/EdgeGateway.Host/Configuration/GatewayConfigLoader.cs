using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeGateway.Configuration;
using EdgeGateway.Contracts.Fleet;
using EdgeGateway.Core.Configuration;
using EdgeGateway.Host.Fleet;
using EdgeGateway.Host.Setup;

namespace EdgeGateway.Host.Configuration;

/// <summary>How a verb treats the config file.</summary>
internal enum ConfigFileUse
{
    /// <summary>The file must exist and parse (<c>run</c>, the outbox verbs).</summary>
    Required,

    /// <summary>A <c>--config</c> that was given must exist; the default path is read only when it is there (<c>replay</c>, <c>models</c>).</summary>
    OptionalUnlessGiven,

    /// <summary>A missing or broken file is not fatal: the caller reports it itself (<c>doctor</c>).</summary>
    Inspect,
}

/// <summary>The configuration one verb runs with, and where it came from.</summary>
/// <param name="Configuration">File, then the fleet document, then environment, then the flags given.</param>
/// <param name="FilePath">The config file's full path (whether or not it was read).</param>
/// <param name="FileRead">Whether the file was part of <paramref name="Configuration"/>.</param>
/// <param name="Problem">One line saying why the verb cannot run, else null.</param>
internal sealed record GatewayConfig(IConfiguration Configuration, string FilePath, bool FileRead, string? Problem)
{
    /// <summary>How the fleet document is layered in, when the file was read; <c>run</c> swaps documents through it.</summary>
    public FleetLayering? Fleet { get; init; }

    /// <summary>The fleet document in force (null: the file alone).</summary>
    public DesiredConfig? FleetInForce { get; init; }
}

/// <summary>How a verb treats the fleet state in <c>{Storage:DataDir}/fleet/</c>.</summary>
internal enum FleetStart
{
    /// <summary>Read the document in force and change nothing (every verb but <c>run</c>).</summary>
    Read,

    /// <summary><c>run</c>: an unfinished health watch counts a failed start, and enough of them go back to the last good document.</summary>
    Run,
}

/// <summary>
/// The box's one configuration loader, used by every verb of <c>edgegw</c>, in this order:
/// <list type="number">
/// <item>the JSON file (<c>--config</c>, default <c>/etc/edgegw/gateway.json</c>);</item>
/// <item>the fleet document in force (<c>{Storage:DataDir}/fleet/</c>), merged into the file by RFC 7396, so arrays replace;</item>
/// <item>environment variables <c>EDGEGW_</c> + the key with <c>__</c> between sections, e.g. <c>EDGEGW_Storage__DataDir</c>;</item>
/// <item>command-line flags, only those actually given (a flag's default never overrides the file).</item>
/// </list>
/// The file is checked first (one line naming the file and line), and a file holding secrets that others can
/// read is warned about once, here.
/// </summary>
internal static class GatewayConfigLoader
{
    public const string EnvironmentPrefix = "EDGEGW_";

    /// <summary>The <c>--config</c> option every verb that reads the gateway config shares.</summary>
    public static Option<string> ConfigOption(string description = "The gateway config file") => new("--config")
    {
        Description = $"{description} (default {GatewayConfigFile.DefaultPath}); EDGEGW_* variables and given flags override it",
        DefaultValueFactory = _ => GatewayConfigFile.DefaultPath,
    };

    /// <summary>Loads the configuration for a verb from its parse result.</summary>
    public static GatewayConfig Load(ParseResult parse, Option<string> config, ConfigFileUse use, ConfigFlags? flags = null, TextWriter? warnings = null,
        FleetStart fleet = FleetStart.Read)
    {
        ArgumentNullException.ThrowIfNull(parse);
        ArgumentNullException.ThrowIfNull(config);
        var given = parse.GetResult(config) is { Implicit: false };
        return Load(parse.GetValue(config) ?? GatewayConfigFile.DefaultPath, given, use, flags?.Given(parse) ?? [], warnings ?? Console.Error, fleet);
    }

    /// <summary>Loads file, fleet document, environment and <paramref name="flags"/> (config key to value) in that order.</summary>
    public static GatewayConfig Load(string path, bool pathGiven, ConfigFileUse use, IReadOnlyDictionary<string, string?> flags, TextWriter warnings,
        FleetStart fleet = FleetStart.Read, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(warnings);
        var fullPath = Path.GetFullPath(path);
        var fileProblem = GatewayConfigFile.Check(fullPath);
        var readFile = fileProblem is null;
        string? problem = null;
        if (fileProblem is not null && (use == ConfigFileUse.Required || (use == ConfigFileUse.OptionalUnlessGiven && (pathGiven || IsReadable(fullPath)))))
        {
            // Without --config, a default file that is absent or not this user's to read is simply not used;
            // one that is there but broken is never skipped silently.
            problem = fileProblem;
        }

        var builder = new ConfigurationBuilder();
        if (readFile)
        {
            builder.AddJsonFile(fullPath, optional: false, reloadOnChange: false);
        }

        builder.AddEnvironmentVariables(EnvironmentPrefix);
        builder.AddInMemoryCollection(flags);
        IConfiguration configuration;
        try
        {
            configuration = builder.Build();
        }
        catch (InvalidDataException ex)
        {
            // Check parsed the file; this is a JSON shape the configuration reader refuses (e.g. a duplicate key).
            configuration = new ConfigurationBuilder().AddEnvironmentVariables(EnvironmentPrefix).AddInMemoryCollection(flags).Build();
            readFile = false;
            problem ??= $"config file '{fullPath}': {ex.Message}";
        }

        if (readFile && use != ConfigFileUse.Inspect && SecretsExposure(fullPath) is { } exposed)
        {
            warnings.WriteLine(exposed);
        }

        if (!readFile)
        {
            return new GatewayConfig(configuration, fullPath, readFile, problem);
        }

        // The data folder and the rollback settings are box-local (no fleet layer may set them), so the file,
        // environment and flags alone say where the fleet state is and what a failed start means.
        var store = new FleetStore(StorageOptions.DataDirIn(configuration), warnings.WriteLine);
        var inForce = fleet == FleetStart.Run
            ? store.StartRun(MaxFailedStarts(configuration), (time ?? TimeProvider.System).GetUtcNow())
            : store.InForce();
        var layering = new FleetLayering(ReadObject(fullPath), inForce?.Document, flags);
        return new GatewayConfig(layering.Configuration, fullPath, readFile, problem) { Fleet = layering, FleetInForce = inForce };
    }

    /// <summary><c>Fleet:MaxFailedStarts</c> as the options will hold it; a bad value is the validator's to report.</summary>
    private static int MaxFailedStarts(IConfiguration configuration) =>
        int.TryParse(configuration["Fleet:MaxFailedStarts"], NumberStyles.Integer, CultureInfo.InvariantCulture, out var max) && max > 0
            ? max
            : new FleetOptions().MaxFailedStarts;

    /// <summary>The file as a JSON object; <see cref="GatewayConfigFile.Check"/> has already parsed it.</summary>
    private static JsonObject ReadObject(string path) =>
        (JsonObject)JsonNode.Parse(File.ReadAllBytes(path), documentOptions: new JsonDocumentOptions
        {
            CommentHandling = JsonCommentHandling.Skip,
            AllowTrailingCommas = true,
        })!;

    private static bool IsReadable(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The warning for a file that holds secrets and can be read by others; only the file's own content counts.</summary>
    private static string? SecretsExposure(string path)
    {
        var fileOnly = new ConfigurationBuilder().AddJsonFile(path, optional: false, reloadOnChange: false).Build();
        return GatewayConfigFile.SecretsExposure(path, GatewaySettings.Read(fileOnly).HoldsSecrets);
    }
}
