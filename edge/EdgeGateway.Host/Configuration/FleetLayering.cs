using System.Text.Json.Nodes;
using EdgeGateway.Contracts.Fleet;
using Microsoft.Extensions.Configuration.Json;

namespace EdgeGateway.Host.Configuration;

/// <summary>
/// The config file with the fleet document merged into it (RFC 7396, so arrays such as <c>Cameras</c> replace),
/// as one source in the file's place. <see cref="Swap"/> loads another document and raises the reload token, so
/// every <c>IOptionsMonitor</c> bound to the configuration sees the change.
/// </summary>
internal sealed class MergedFileConfigurationProvider(JsonObject merged) : JsonStreamConfigurationProvider(new JsonStreamConfigurationSource()), IConfigurationSource
{
    private JsonObject _merged = merged;

    public IConfigurationProvider Build(IConfigurationBuilder builder) => this;

    public override void Load()
    {
        using var stream = new MemoryStream(FleetDocument.Bytes(_merged));
        Load(stream);
    }

    public void Swap(JsonObject merged)
    {
        _merged = merged;
        Load();
        OnReload();
    }
}

/// <summary>
/// How <c>run</c> composes its configuration with a fleet document: the file, the document merged into it, then
/// the environment and the flags given. It can make the configuration a document would give (to validate it) and
/// swap the document the running configuration uses.
/// </summary>
internal sealed class FleetLayering
{
    private readonly IReadOnlyDictionary<string, string?> _flags;
    private readonly MergedFileConfigurationProvider _provider;

    public FleetLayering(JsonObject file, JsonObject? document, IReadOnlyDictionary<string, string?> flags)
    {
        File = file;
        _flags = flags;
        _provider = new MergedFileConfigurationProvider(Merged(document));
        Configuration = Build(_provider, flags);
    }

    public JsonObject File { get; }

    /// <summary>The running configuration: file merged with the document in force, environment, flags.</summary>
    public IConfigurationRoot Configuration { get; }

    /// <summary>The file with <paramref name="document"/> merged in (null: the file alone).</summary>
    public JsonObject Merged(JsonObject? document) =>
        document is null ? (JsonObject)File.DeepClone() : (JsonObject)MergePatch.Apply(File, document)!;

    /// <summary>The configuration the box would run with under <paramref name="document"/>; nothing running changes.</summary>
    public IConfigurationRoot Compose(JsonObject? document) => Build(new MergedFileConfigurationProvider(Merged(document)), _flags);

    /// <summary>The running configuration now uses <paramref name="document"/> (null: the file alone).</summary>
    public void Swap(JsonObject? document) => _provider.Swap(Merged(document));

    private static IConfigurationRoot Build(MergedFileConfigurationProvider file, IReadOnlyDictionary<string, string?> flags) =>
        new ConfigurationBuilder()
            .Add(file)
            .AddEnvironmentVariables(GatewayConfigLoader.EnvironmentPrefix)
            .AddInMemoryCollection(flags)
            .Build();
}
