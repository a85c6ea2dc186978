using EdgeGateway.Testing;

namespace CloudRelay.Tests;

/// <summary>
/// The relay's folders use each other one way only: options and secrets sit in the leaf Settings, Hosting composes the
/// features and is named only by the verbs that start a relay, and the folders still in one knot may only shrink.
/// </summary>
[Trait("Category", "Unit")]
public sealed class FolderDependencyTests
{
    /// <summary>The folders that still reach themselves; a folder leaves this list when its knot is untied.</summary>
    private static readonly string[] StillInACycle = ["Api", "Cases", "Database", "Evidence", "Ingest"];

    private static readonly FolderGraph Graph = FolderGraph.Of(Path.Combine(RepoPaths.Root, "cloud-relay", "CloudRelay"), "CloudRelay");

    [Fact]
    public void Settings_is_a_leaf()
    {
        Assert.Empty(Graph.Uses["Settings"]);
    }

    [Fact]
    public void Only_the_verbs_that_start_a_relay_name_the_composition_root()
    {
        Assert.Equal(["Bench", "Cli"], Graph.UsersOf("Hosting").Order(StringComparer.Ordinal));
    }

    [Fact]
    public void No_folder_outside_the_known_knot_uses_itself_through_others()
    {
        var cycles = Graph.Cycles().Where(c => !StillInACycle.Contains(c[..c.IndexOf(' ', StringComparison.Ordinal)])).ToList();
        Assert.True(cycles.Count == 0, "folders in a cycle: " + string.Join("; ", cycles));
    }
}
