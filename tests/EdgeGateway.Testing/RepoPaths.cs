namespace EdgeGateway.Testing;

/// <summary>Finds the repository root and the read-only shared data beside it.</summary>
public static class RepoPaths
{
    private static readonly Lazy<string> RootPath = new(FindRoot);

    /// <summary>The checkout root (the folder holding EdgeGateway.sln).</summary>
    public static string Root => RootPath.Value;

    /// <summary>
    /// The shared models, images and clips: <c>EDGEGW_SHARED</c> if set, else <c>../shared</c> beside the checkout.
    /// </summary>
    public static string Shared =>
        Environment.GetEnvironmentVariable("EDGEGW_SHARED") is { Length: > 0 } fromEnvironment
            ? fromEnvironment
            : Path.GetFullPath(Path.Combine(Root, "..", "shared"));

    public static string SharedFile(params string[] parts) => Path.Combine([Shared, .. parts]);

    public static string Seeds(params string[] parts) => Path.Combine([Root, "seeds", .. parts]);

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "EdgeGateway.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"EdgeGateway.sln not found above {AppContext.BaseDirectory}");
    }
}
