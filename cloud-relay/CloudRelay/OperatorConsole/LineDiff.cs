using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CloudRelay.OperatorConsole;

/// <summary>One row of a side-by-side diff: the old line (null where lines were only added) and the new one (null where only removed).</summary>
internal sealed record DiffRow(string? Left, string? Right, bool Changed);

/// <summary>
/// A line diff of two pretty-printed JSON documents for the layer editor: the longest common subsequence of lines,
/// then each run of removed and added lines paired up row by row, so a changed value sits beside its old one.
/// </summary>
internal static class LineDiff
{
    /// <summary>
    /// Past this many differing lines on either side (after the common start and end) the middle is shown as every old
    /// line removed and every new one added: the table the diff needs grows as their product.
    /// </summary>
    public const int MaxLines = 1500;

    // Relaxed escaping: the page encodes every line itself, and a layer's Chinese or '<' should read as written, not as \uXXXX.
    private static readonly JsonSerializerOptions Pretty = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The document as the editor shows it: indented, two spaces; an absent document is an empty object.</summary>
    public static string Print(JsonNode? document) => (document ?? new JsonObject()).ToJsonString(Pretty);

    public static IReadOnlyList<DiffRow> Of(string before, string after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var left = before.ReplaceLineEndings("\n").Split('\n');
        var right = after.ReplaceLineEndings("\n").Split('\n');
        var rows = new List<DiffRow>();
        var removed = new List<string>();
        var added = new List<string>();
        foreach (var (line, side) in Script(left, right))
        {
            if (side == 0)
            {
                Flush(rows, removed, added);
                rows.Add(new DiffRow(line, line, false));
            }
            else
            {
                (side < 0 ? removed : added).Add(line);
            }
        }

        Flush(rows, removed, added);
        return rows;
    }

    /// <summary>The edit script: each line with -1 (only on the left), 0 (on both) or +1 (only on the right), in order.</summary>
    private static List<(string Line, int Side)> Script(string[] left, string[] right)
    {
        var head = 0;
        while (head < left.Length && head < right.Length && left[head] == right[head])
        {
            head++;
        }

        var tail = 0;
        while (tail < left.Length - head && tail < right.Length - head && left[^(tail + 1)] == right[^(tail + 1)])
        {
            tail++;
        }

        var script = left[..head].Select(l => (l, 0)).ToList();
        script.AddRange(Middle(left[head..^tail], right[head..^tail]));
        script.AddRange(left[^tail..].Select(l => (l, 0)));
        return script;
    }

    private static List<(string, int)> Middle(string[] left, string[] right)
    {
        if (left.Length > MaxLines || right.Length > MaxLines)
        {
            return [.. left.Select(l => (l, -1)), .. right.Select(r => (r, 1))];
        }

        // common[i, j]: the length of the longest common subsequence of left[i..] and right[j..].
        var common = new int[left.Length + 1, right.Length + 1];
        for (var i = left.Length - 1; i >= 0; i--)
        {
            for (var j = right.Length - 1; j >= 0; j--)
            {
                common[i, j] = left[i] == right[j] ? common[i + 1, j + 1] + 1 : Math.Max(common[i + 1, j], common[i, j + 1]);
            }
        }

        var script = new List<(string, int)>();
        int a = 0, b = 0;
        while (a < left.Length || b < right.Length)
        {
            if (a < left.Length && b < right.Length && left[a] == right[b])
            {
                script.Add((left[a++], 0));
                b++;
            }
            else if (b == right.Length || (a < left.Length && common[a + 1, b] >= common[a, b + 1]))
            {
                script.Add((left[a++], -1));
            }
            else
            {
                script.Add((right[b++], 1));
            }
        }

        return script;
    }

    private static void Flush(List<DiffRow> rows, List<string> removed, List<string> added)
    {
        for (var i = 0; i < Math.Max(removed.Count, added.Count); i++)
        {
            rows.Add(new DiffRow(i < removed.Count ? removed[i] : null, i < added.Count ? added[i] : null, true));
        }

        removed.Clear();
        added.Clear();
    }
}
