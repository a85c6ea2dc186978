using EdgeGateway.Testing;

namespace EdgeGateway.Vision.Tests;

/// <summary>
/// The vision project's folders use each other one way only (options and logging are leaves), and the root holds the
/// composition (wiring, validation) that nothing inside uses.
/// </summary>
[Trait("Category", "Unit")]
public sealed class FolderDependencyTests
{
    private static readonly FolderGraph Graph = FolderGraph.Of(Path.Combine(RepoPaths.Root, "edge", "EdgeGateway.Vision"), "EdgeGateway.Vision");

    [Fact]
    public void No_two_folders_use_each_other_even_through_others()
    {
        var cycles = Graph.Cycles();
        Assert.True(cycles.Count == 0, "folders in a cycle: " + string.Join("; ", cycles));
        Assert.Empty(Graph.Uses["Configuration"]);
        Assert.Empty(Graph.Uses["Logging"]);
    }

    [Fact]
    public void Nothing_inside_uses_the_projects_root()
    {
        var users = Graph.RootTypeUses();
        Assert.True(users.Count == 0, string.Join("; ", users));
    }
}
