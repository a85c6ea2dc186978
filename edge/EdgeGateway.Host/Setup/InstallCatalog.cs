using EdgeGateway.Core;

namespace EdgeGateway.Host.Setup;

/// <summary>
/// What this build can be provisioned with: model names (a folder per manifest) and board
/// profiles (a JSON file each), from the folders <see cref="GatewayPaths"/> names.
/// </summary>
internal sealed record InstallCatalog(IReadOnlyList<string> Models, IReadOnlyList<string> Boards)
{
    public static InstallCatalog Discover()
    {
        var models = GatewayPaths.ManifestDirs()
            .Where(Directory.Exists)
            .SelectMany(dir => Directory.EnumerateDirectories(dir).Where(d => File.Exists(Path.Combine(d, "model.json"))))
            .Select(Path.GetFileName)
            .OfType<string>();
        var boards = GatewayPaths.BoardProfileDirs()
            .Where(Directory.Exists)
            .SelectMany(dir => Directory.EnumerateFiles(dir, "*.json"))
            .Select(Path.GetFileNameWithoutExtension)
            .OfType<string>();
        return new InstallCatalog(
            [.. models.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)],
            [.. boards.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)]);
    }
}
