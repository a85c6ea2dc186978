using System.Text.RegularExpressions;

namespace EdgeGateway.Testing;

/// <summary>
/// Which folders (namespaces) of one project name which others, read from the sources: the one check behind every
/// project's "folders use each other one way only" test.
/// </summary>
public sealed class FolderGraph
{
    private readonly string _project;

    private FolderGraph(string project, Dictionary<string, HashSet<string>> uses)
    {
        _project = project;
        Uses = uses;
    }

    /// <summary>Each folder with the folders it names.</summary>
    public IReadOnlyDictionary<string, HashSet<string>> Uses { get; }

    /// <summary>Reads the project at <paramref name="project"/>, whose folders are namespaces under <paramref name="rootNamespace"/>.</summary>
    public static FolderGraph Of(string project, string rootNamespace)
    {
        var reference = new Regex(Regex.Escape(rootNamespace) + @"\.(\w+)", RegexOptions.CultureInvariant);
        var uses = Directory.EnumerateDirectories(project).Select(Path.GetFileName).Where(f => f is not ("bin" or "obj"))
            .ToDictionary(f => f!, _ => new HashSet<string>(StringComparer.Ordinal), StringComparer.Ordinal);
        foreach (var (folder, text) in Sources(project).Where(s => s.Folder is not null))
        {
            foreach (Match match in reference.Matches(text))
            {
                var target = match.Groups[1].Value;
                if (target != folder && uses.ContainsKey(target))
                {
                    uses[folder!].Add(target);
                }
            }
        }

        return new FolderGraph(project, uses);
    }

    /// <summary>Each folder that reaches itself, with what it names; empty when the folders use each other one way only.</summary>
    public IReadOnlyList<string> Cycles() =>
        [.. Uses.Keys.Where(f => Reaches(f, f, [])).Select(f => $"{f} -> {string.Join(", ", Uses[f])}")];

    /// <summary>The folders that name <paramref name="folder"/>.</summary>
    public IReadOnlyList<string> UsersOf(string folder) => [.. Uses.Where(u => u.Value.Contains(folder)).Select(u => u.Key)];

    /// <summary>Where a folder's source uses a type declared in a file at the project's root.</summary>
    public IReadOnlyList<string> RootTypeUses()
    {
        var rootTypes = Directory.EnumerateFiles(_project, "*.cs", SearchOption.TopDirectoryOnly).Select(Path.GetFileNameWithoutExtension).ToList();
        return [.. Sources(_project).Where(s => s.Folder is not null)
            .SelectMany(s => rootTypes.Where(t => Regex.IsMatch(s.Text, $@"\b{t}\b")).Select(t => $"{s.Folder} uses {t}"))];
    }

    /// <summary>Each source file with its folder (null at the root).</summary>
    private static IEnumerable<(string? Folder, string Text)> Sources(string project) =>
        Directory.EnumerateFiles(project, "*.cs", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(project, f))
            .Where(f => !f.StartsWith("bin", StringComparison.Ordinal) && !f.StartsWith("obj", StringComparison.Ordinal))
            .Select(f => (f.Contains('/', StringComparison.Ordinal) ? f[..f.IndexOf('/', StringComparison.Ordinal)] : null, File.ReadAllText(Path.Combine(project, f))));

    private bool Reaches(string from, string target, HashSet<string> seen) =>
        Uses[from].Any(next => next == target || (seen.Add(next) && Reaches(next, target, seen)));
}
