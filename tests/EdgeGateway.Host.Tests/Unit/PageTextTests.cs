using System.Reflection;
using System.Text.RegularExpressions;
using EdgeGateway.Elevator.Machine;
using EdgeGateway.Host.Diagnostics.Commissioning;
using EdgeGateway.Host.Diagnostics.Text;
using EdgeGateway.Testing;

namespace EdgeGateway.Host.Tests.Unit;

/// <summary>The page's resource files: both languages complete, every alert kind and fault named properly.</summary>
[Trait("Category", "Unit")]
public sealed partial class PageTextTests
{
    private static readonly PageText Chinese = PageText.For(PageText.Chinese);
    private static readonly PageText English = PageText.For(PageText.English);

    public static TheoryData<string> AlertKindCodes()
    {
        var kinds = new TheoryData<string>();
        foreach (var field in typeof(AlertKinds).GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral))
        {
            kinds.Add((string)field.GetRawConstantValue()!);
        }

        return kinds;
    }

    [Theory]
    [MemberData(nameof(AlertKindCodes))]
    public void Every_alert_kind_has_a_Chinese_and_an_English_name(string kind)
    {
        var chinese = Chinese.Named("kind", kind);
        var english = English.Named("kind", kind);
        Assert.NotEqual(kind, chinese);
        Assert.NotEqual(kind, english);
        Assert.Matches(@"\p{IsCJKUnifiedIdeographs}", chinese);
        Assert.DoesNotMatch(@"\p{IsCJKUnifiedIdeographs}", english);
    }

    [Theory]
    [InlineData("trapped", "困人")]
    [InlineData("stop_outside_zone", "门区外停梯")]
    [InlineData("door_open_moving", "开门走车")]
    [InlineData("overtravel_top", "冲顶")]
    [InlineData("overtravel_bottom", "蹲底")]
    [InlineData("overspeed", "超速")]
    [InlineData("no_mask", "未戴口罩")]
    [InlineData("safety_circuit_open", "安全回路断路")]
    [InlineData("button_stuck", "层站按钮粘连")]
    public void Faults_carry_the_names_the_field_uses(string kind, string name) => Assert.Equal(name, Chinese.Named("kind", kind));

    [Fact]
    public void Both_languages_have_the_same_keys_and_every_placeholder_in_both()
    {
        Assert.Equal(English.Strings.Keys.Order(StringComparer.Ordinal), Chinese.Strings.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, english) in English.Strings)
        {
            Assert.True(Placeholders(english).SetEquals(Placeholders(Chinese.Strings[key])), $"{key}: placeholders differ between en and zh-CN");
        }
    }

    [Fact]
    public void Every_text_key_the_page_names_is_in_the_resources()
    {
        var page = File.ReadAllText(Path.Combine(RepoPaths.Root, "edge", "EdgeGateway.Host", "wwwroot", "index.html"))
                   + File.ReadAllText(Path.Combine(RepoPaths.Root, "edge", "EdgeGateway.Host", "wwwroot", "app.js"));
        var keys = KeyReference().Matches(page).Select(m => m.Groups["key"].Value).Distinct().ToList();
        Assert.True(keys.Count > 100, $"only {keys.Count} keys found in the page");
        var missing = keys.Where(k => !English.Strings.ContainsKey(k)).ToList();
        Assert.True(missing.Count == 0, $"keys the page uses but the resources lack: {string.Join(", ", missing)}");
    }

    [Fact]
    public void Every_elevator_input_state_and_trigger_is_named_in_Chinese()
    {
        // The snapshot's input names: the elevator's one table of signals.
        var inputs = ElevatorSignals.Inputs.Select(s => s.Name).ToList();
        Assert.True(inputs.Count >= 10, $"only {inputs.Count} inputs found");
        foreach (var input in inputs)
        {
            Assert.Matches(@"\p{IsCJKUnifiedIdeographs}", Chinese.Named("input", input));
        }

        var diagram = File.ReadAllText(Path.Combine(RepoPaths.Root, "tests", "EdgeGateway.Elevator.Tests", "Pinned", "elevator-machine.mmd"));
        foreach (Match transition in Transition().Matches(diagram))
        {
            foreach (var state in new[] { transition.Groups["from"].Value, transition.Groups["to"].Value }.Where(s => !s.StartsWith("Decision", StringComparison.Ordinal)))
            {
                Assert.Matches(@"\p{IsCJKUnifiedIdeographs}", Chinese.Named("state", state));
            }

            Assert.Matches(@"\p{IsCJKUnifiedIdeographs}", Chinese.Named("trigger", transition.Groups["trigger"].Value));
        }
    }

    [Theory]
    [InlineData(null, "zh-CN,zh;q=0.9,en;q=0.8", "zh-CN")]
    [InlineData(null, "zh-TW", "zh-CN")]
    [InlineData(null, "zh", "zh-CN")]
    [InlineData(null, "en-US,en;q=0.9", "en")]
    [InlineData(null, "fr-FR, de;q=0.8, zh-HK;q=0.5", "zh-CN")]
    [InlineData(null, "en;q=0.2, zh;q=0.9", "zh-CN")]
    [InlineData(null, "zh;q=0, fr", "en")]
    [InlineData(null, null, "en")]
    [InlineData("en", "zh-CN", "en")]
    [InlineData("zh-CN", "en-US", "zh-CN")]
    [InlineData("klingon", "zh-CN", "zh-CN")]
    public void The_language_follows_the_choice_then_the_browser(string? requested, string? acceptLanguage, string expected) =>
        Assert.Equal(expected, PageText.Choose(requested, acceptLanguage));

    [Fact]
    public void Box_times_name_their_zone()
    {
        var shanghai = BoxTime.Resolve("Asia/Shanghai")!;
        Assert.Equal("2026-12-03 18:30:05 Asia/Shanghai (UTC+08:00)", BoxTime.Format(new DateTimeOffset(2026, 12, 3, 10, 30, 5, TimeSpan.Zero), shanghai));
        Assert.Null(BoxTime.Resolve("Mars/Olympus_Mons"));
    }

    private static HashSet<string> Placeholders(string text) => [.. Placeholder().Matches(text).Select(m => m.Value)];

    [GeneratedRegex(@"\{\w+\}")]
    private static partial Regex Placeholder();

    // data-i18n="x", data-i18n-placeholder="x", t('x'…), cell('x'…)
    [GeneratedRegex(@"(?:data-i18n(?:-placeholder)?=""|\bt\('|\bcell\(')(?<key>[a-zA-Z]+\.[\w.]+)")]
    private static partial Regex KeyReference();

    [GeneratedRegex(@"^\s*(?<from>\w+) --> (?<to>\w+) : (?<trigger>\w+)", RegexOptions.Multiline)]
    private static partial Regex Transition();
}
