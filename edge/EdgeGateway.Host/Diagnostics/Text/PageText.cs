using System.Collections.Frozen;
using System.Globalization;
using System.Text.Json;

namespace EdgeGateway.Host.Diagnostics.Text;

/// <summary>
/// The page's and the report's words, from the resource files <c>wwwroot/i18n/&lt;language&gt;.json</c>
/// embedded in the binary. One dictionary per language, every key in both.
/// </summary>
internal sealed class PageText
{
    public const string English = "en";
    public const string Chinese = "zh-CN";

    /// <summary>The languages the page speaks, in the order its switch shows them.</summary>
    public static IReadOnlyList<string> Languages { get; } = [Chinese, English];

    private static readonly Lazy<FrozenDictionary<string, PageText>> All = new(() =>
        Languages.ToFrozenDictionary(language => language, Load, StringComparer.Ordinal));

    private PageText(string language, FrozenDictionary<string, string> strings)
    {
        Language = language;
        Strings = strings;
    }

    public string Language { get; }

    public FrozenDictionary<string, string> Strings { get; }

    public static PageText For(string language) => All.Value[language];

    /// <summary>
    /// The language to speak: an explicit choice the page supports, else the first of the browser's
    /// Accept-Language it supports (any <c>zh*</c> is zh-CN), else English.
    /// </summary>
    public static string Choose(string? requested, string? acceptLanguage)
    {
        if (Match(requested) is { } chosen)
        {
            return chosen;
        }

        var ranked = (acceptLanguage ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select((entry, index) =>
            {
                var parts = entry.Split(';', StringSplitOptions.TrimEntries);
                var quality = parts.Skip(1).Select(p => p.StartsWith("q=", StringComparison.OrdinalIgnoreCase)
                        && double.TryParse(p[2..], NumberStyles.Float, CultureInfo.InvariantCulture, out var q) ? q : 1.0)
                    .DefaultIfEmpty(1.0).First();
                return (Tag: parts[0], Quality: quality, Index: index);
            })
            .Where(e => e.Quality > 0)
            .OrderByDescending(e => e.Quality).ThenBy(e => e.Index);
        return ranked.Select(e => Match(e.Tag)).FirstOrDefault(m => m is not null) ?? English;
    }

    private static string? Match(string? tag)
    {
        if (string.IsNullOrWhiteSpace(tag))
        {
            return null;
        }

        var primary = tag.Split('-', '_')[0];
        return primary.Equals("zh", StringComparison.OrdinalIgnoreCase) ? Chinese
            : primary.Equals("en", StringComparison.OrdinalIgnoreCase) ? English
            : null;
    }

    /// <summary>The text for <paramref name="key"/> with <c>{name}</c> placeholders filled; the key itself when missing.</summary>
    public string this[string key, params (string Name, object? Value)[] values]
    {
        get
        {
            if (!Strings.TryGetValue(key, out var text))
            {
                return key;
            }

            foreach (var (name, value) in values)
            {
                text = text.Replace("{" + name + "}", Convert.ToString(value, CultureInfo.InvariantCulture), StringComparison.Ordinal);
            }

            return text;
        }
    }

    /// <summary>A kind's, input's or state's name when the resources have one, else the code itself.</summary>
    public string Named(string prefix, string code) => Strings.TryGetValue($"{prefix}.{code}", out var text) ? text : code;

    private static PageText Load(string language)
    {
        var name = $"EdgeGateway.Host.wwwroot.i18n.{language}.json";
        using var stream = typeof(PageText).Assembly.GetManifestResourceStream(name)
                           ?? throw new InvalidOperationException($"the page's resource file {name} is not embedded in edgegw");
        var strings = JsonSerializer.Deserialize<Dictionary<string, string>>(stream) ?? [];
        return new PageText(language, strings.ToFrozenDictionary(StringComparer.Ordinal));
    }
}
