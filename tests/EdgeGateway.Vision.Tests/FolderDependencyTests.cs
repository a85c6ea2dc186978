using System.Text.RegularExpressions;
using EdgeGateway.Testing;

namespace EdgeGateway.Vision.Tests;

/// <summary>
/// The vision project's folders use each other one way only (options and logging are leaves), and the root holds the
/// composition (wiring, validation) that nothing inside uses.
/// </summary>
[Trait("Category", "Unit")]
public sealed partial class FolderDependencyTests
{
    private static readonly string Project = Path.Combine(RepoPaths.Root, "edge", "EdgeGateway.Vision");

    [Fact]
    public void No_two_folders_use_each_other_even_through_others()
    {
        var uses = Folders().ToDictionary(f => f, _ => new HashSet<string>(StringComparer.Ordinal));
        foreach (var (folder, text) in Sources().Where(s => s.Folder is not null))
        {
            foreach (Match match in NamespaceReference().Matches(text))
            {
                var target = match.Groups[1].Value;
                if (target != folder && uses.ContainsKey(target))
                {
                    uses[folder!].Add(target);
                }
            }
        }

        var cycles = uses.Keys.Where(f => Reaches(uses, f, f, [])).Select(f => $"{f} -> {string.Join(", ", uses[f])}").ToList();
        Assert.True(cycles.Count == 0, "folders in a cycle: " + string.Join("; ", cycles));
        Assert.Empty(uses["Configuration"]);
        Assert.Empty(uses["Logging"]);
    }

    [Fact]
    public void Nothing_inside_uses_the_projects_root()
    {
        var rootTypes = Directory.EnumerateFiles(Project, "*.cs", SearchOption.TopDirectoryOnly).Select(Path.GetFileNameWithoutExtension).ToList();
        var users = Sources().Where(s => s.Folder is not null)
            .SelectMany(s => rootTypes.Where(t => Regex.IsMatch(s.Text, $@"\b{t}\b")).Select(t => $"{s.Folder} uses {t}"))
            .ToList();

        Assert.True(users.Count == 0, string.Join("; ", users));
    }

    private static IEnumerable<string> Folders() =>
        Directory.EnumerateDirectories(Project).Select(Path.GetFileName).Where(f => f is not ("bin" or "obj"))!;

    /// <summary>Each source file with its folder (null at the root).</summary>
    private static IEnumerable<(string? Folder, string Text)> Sources() =>
        Directory.EnumerateFiles(Project, "*.cs", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Project, f))
            .Where(f => !f.StartsWith("bin", StringComparison.Ordinal) && !f.StartsWith("obj", StringComparison.Ordinal))
            .Select(f => (f.Contains('/', StringComparison.Ordinal) ? f[..f.IndexOf('/', StringComparison.Ordinal)] : null, File.ReadAllText(Path.Combine(Project, f))));

    private static bool Reaches(Dictionary<string, HashSet<string>> uses, string from, string target, HashSet<string> seen) =>
        uses[from].Any(next => next == target || (seen.Add(next) && Reaches(uses, next, target, seen)));

    [GeneratedRegex(@"EdgeGateway\.Vision\.(\w+)")]
    private static partial Regex NamespaceReference();
}
