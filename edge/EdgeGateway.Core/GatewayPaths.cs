namespace EdgeGateway.Core;

/// <summary>
/// Where the box's files live, in one place: the config file, the data folder, the model cache,
/// the model manifests and board profiles shipped beside the binary, and, during development,
/// the checkout the binary was built in. Nothing else walks the file system looking for these.
/// </summary>
public static class GatewayPaths
{
    /// <summary>The installed config file (<c>/etc/edgegw/gateway.json</c>).</summary>
    public const string DefaultConfigFile = "/etc/edgegw/gateway.json";

    /// <summary>The default of <c>Storage:DataDir</c>: outbox, sequence, maintenance log, page keys, models.</summary>
    public const string DefaultDataDir = "/var/lib/edgegw";

    /// <summary>The file that marks the root of a source checkout.</summary>
    public const string CheckoutMarker = "EdgeGateway.sln";

    private static readonly Lazy<string?> Checkout = new(() => FindCheckoutRoot(AppContext.BaseDirectory));

    /// <summary>The folder holding the running binary.</summary>
    public static string AppDir => AppContext.BaseDirectory;

    /// <summary>The checkout root above the binary (a developer's build), or null on an installed box.</summary>
    public static string? CheckoutRoot => Checkout.Value;

    /// <summary><c>Storage:DataDir</c> as configured, else <see cref="DefaultDataDir"/>.</summary>
    public static string DataDir(string? configured) => configured is { Length: > 0 } ? configured : DefaultDataDir;

    /// <summary>
    /// Where model weights are cached: <c>Models:CacheDir</c> when set; else <c>{Storage:DataDir}/models</c> when
    /// the data folder is set; else, in a checkout, <c>.models/</c> at its root (so a developer's fetch needs no
    /// root rights); else <c>/var/lib/edgegw/models</c>.
    /// </summary>
    public static string ModelsCacheDir(string? configuredCacheDir, string? configuredDataDir) =>
        ModelsCacheDir(configuredCacheDir, configuredDataDir, CheckoutRoot);

    /// <summary>The rule of <see cref="ModelsCacheDir(string?, string?)"/> with the checkout given (for tests).</summary>
    public static string ModelsCacheDir(string? configuredCacheDir, string? configuredDataDir, string? checkoutRoot)
    {
        if (configuredCacheDir is { Length: > 0 })
        {
            return configuredCacheDir;
        }

        if (configuredDataDir is { Length: > 0 })
        {
            return Path.Combine(configuredDataDir, "models");
        }

        return checkoutRoot is not null ? Path.Combine(checkoutRoot, ".models") : Path.Combine(DefaultDataDir, "models");
    }

    /// <summary>Model manifests (<c>&lt;name&gt;/model.json</c>) shipped beside the binary.</summary>
    public static string ManifestDir => Path.Combine(AppDir, "models");

    /// <summary>
    /// Folders that may hold model manifests, first beside the binary, then in the checkout's <c>seeds/models</c>.
    /// </summary>
    public static IReadOnlyList<string> ManifestDirs() =>
        [.. new[] { ManifestDir, CheckoutRoot is { } root ? Path.Combine(root, "seeds", "models") : null }.OfType<string>()];

    /// <summary>Folders that may hold board profiles (<c>&lt;board&gt;.json</c>): beside the binary, then the checkout.</summary>
    public static IReadOnlyList<string> BoardProfileDirs() =>
        [.. new[] { Path.Combine(AppDir, "hardware", "profiles"), CheckoutRoot is { } root ? Path.Combine(root, "hardware", "profiles") : null }.OfType<string>()];

    /// <summary>The profile file of a board: the first of <see cref="BoardProfileDirs"/> that has it, else the one beside the binary.</summary>
    public static string BoardProfile(string board)
    {
        var file = board + ".json";
        return BoardProfileDirs().Select(dir => Path.Combine(dir, file)).FirstOrDefault(File.Exists)
            ?? Path.Combine(AppDir, "hardware", "profiles", file);
    }

    /// <summary>
    /// The shared read-only data (models, images, clips): <c>EDGEGW_SHARED</c> when set, else <c>../shared</c>
    /// beside the checkout; null on an installed box.
    /// </summary>
    public static string? SharedDir =>
        Environment.GetEnvironmentVariable("EDGEGW_SHARED") is { Length: > 0 } shared
            ? shared
            : CheckoutRoot is { } root ? Path.GetFullPath(Path.Combine(root, "..", "shared")) : null;

    /// <summary>The nearest folder at or above <paramref name="start"/> holding <see cref="CheckoutMarker"/>.</summary>
    public static string? FindCheckoutRoot(string start)
    {
        for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, CheckoutMarker)))
            {
                return directory.FullName;
            }
        }

        return null;
    }
}
