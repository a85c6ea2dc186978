using System.Text.Json.Nodes;
using CloudRelay.OperatorConsole;

namespace CloudRelay.Tests.Console;

/// <summary>The layer editor's side-by-side diff of pretty-printed JSON.</summary>
[Trait("Category", "Unit")]
public sealed class LineDiffTests
{
    [Fact]
    public void A_changed_value_sits_beside_its_old_value_and_unchanged_lines_are_on_both_sides()
    {
        var before = LineDiff.Print(JsonNode.Parse("""{"Outbox": {"MaxItems": 1000}, "Uplink": {"StateInterval": "00:01:00"}}"""));
        var after = LineDiff.Print(JsonNode.Parse("""{"Outbox": {"MaxItems": 2000}, "Uplink": {"StateInterval": "00:01:00"}}"""));

        var rows = LineDiff.Of(before, after);

        var changed = Assert.Single(rows, r => r.Changed);
        Assert.Equal(("    \"MaxItems\": 1000", "    \"MaxItems\": 2000"), (changed.Left, changed.Right));
        Assert.Equal(before.Split('\n'), rows.Select(r => r.Left));
        Assert.Equal(after.Split('\n'), rows.Select(r => r.Right));
    }

    [Fact]
    public void Lines_only_added_leave_a_gap_on_the_left_and_the_text_reads_as_written()
    {
        var rows = LineDiff.Of(LineDiff.Print(null), LineDiff.Print(JsonNode.Parse("""{"Vision": {"Note": "</textarea> 后厨"}}""")));

        Assert.Equal(
            [new DiffRow("{}", "{", true), new DiffRow(null, "  \"Vision\": {", true), new DiffRow(null, "    \"Note\": \"</textarea> 后厨\"", true),
             new DiffRow(null, "  }", true), new DiffRow(null, "}", true)],
            rows);
    }

    [Fact]
    public void Documents_too_long_to_align_show_every_differing_line_and_keep_the_common_start_and_end()
    {
        var middle = Enumerable.Range(0, LineDiff.MaxLines + 1).ToList();
        var before = string.Join('\n', ["start", .. middle.Select(i => $"a{i}"), "end"]);
        var after = string.Join('\n', ["start", .. middle.Select(i => $"b{i}"), "end"]);

        var rows = LineDiff.Of(before, after);

        Assert.Equal(new DiffRow("start", "start", false), rows[0]);
        Assert.Equal(new DiffRow("end", "end", false), rows[^1]);
        Assert.Equal(middle.Select(i => new DiffRow($"a{i}", $"b{i}", true)), rows.Skip(1).Take(middle.Count));
    }
}
