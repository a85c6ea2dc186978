namespace EdgeGateway.Host.Setup;

/// <summary>
/// What this build can be provisioned with: model names (a folder per manifest) and board
/// profiles (a JSON file each). Looked up beside the binary, then in the checkout.
/// </summary>
internal sealed record InstallCatalog(IReadOnlyList<string> Models, IReadOnlyList<string> Boards)
{
    public static InstallCatalog Discover()
    {
        var roots = new List<string> { AppContext.BaseDirectory };
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "EdgeGateway.sln")))
            {
                roots.Add(directory.FullName);
                break;
            }
        }

        var models = roots
            .SelectMany(root => new[] { Path.Combine(root, "models"), Path.Combine(root, "seeds", "models") })
            .Where(Directory.Exists)
            .SelectMany(dir => Directory.EnumerateDirectories(dir).Where(d => File.Exists(Path.Combine(d, "model.json"))))
            .Select(Path.GetFileName)
            .OfType<string>();
        var boards = roots
            .SelectMany(root => new[] { Path.Combine(root, "hardware", "profiles") })
            .Where(Directory.Exists)
            .SelectMany(dir => Directory.EnumerateFiles(dir, "*.json"))
            .Select(Path.GetFileNameWithoutExtension)
            .OfType<string>();
        return new InstallCatalog(
            [.. models.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)],
            [.. boards.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)]);
    }
}
