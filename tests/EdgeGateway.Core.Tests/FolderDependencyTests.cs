using EdgeGateway.Testing;

namespace EdgeGateway.Core.Tests;

/// <summary>
/// Core's folders use each other one way only: an alert is drafted (Alerts), queued durably (Outbox) and published
/// (Publishing); each port sits beside the feature that owns it, and the paths of the box know nothing of the relay.
/// </summary>
[Trait("Category", "Unit")]
public sealed class FolderDependencyTests
{
    private static readonly string Project = Path.Combine(RepoPaths.Root, "edge", "EdgeGateway.Core");
    private static readonly FolderGraph Graph = FolderGraph.Of(Project, "EdgeGateway.Core");

    [Fact]
    public void No_two_folders_use_each_other_even_through_others()
    {
        var cycles = Graph.Cycles();
        Assert.True(cycles.Count == 0, "folders in a cycle: " + string.Join("; ", cycles));
        Assert.Empty(Graph.Uses["Alerts"]);
        Assert.Empty(Graph.Uses["Configuration"]);
    }

    [Fact]
    public void The_box_paths_do_not_know_where_the_relay_is_built()
    {
        var paths = File.ReadAllText(Path.Combine(Project, "GatewayPaths.cs"));
        Assert.DoesNotContain("cloud-relay", paths, StringComparison.OrdinalIgnoreCase);
    }
}
