using System.Collections.Frozen;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace CloudRelay.OperatorConsole;

/// <summary>
/// Every label of the console, from the resource files <c>Text/zh-CN.json</c> and <c>Text/en.json</c> embedded in
/// the relay. Simplified Chinese is the default; a language switch is remembered, else the browser's Accept-Language decides.
/// </summary>
public sealed class ConsoleText
{
    public const string Chinese = "zh-CN";
    public const string English = "en";
    public const string LanguageCookie = "relay-console-lang";

    public static readonly IReadOnlyList<string> Languages = [Chinese, English];

    private static readonly FrozenDictionary<string, FrozenDictionary<string, string>> Tables =
        Languages.ToFrozenDictionary(language => language, Load);

    private readonly FrozenDictionary<string, string> _table;

    private ConsoleText(string language)
    {
        Language = language;
        _table = Tables[language];
    }

    public string Language { get; }

    /// <summary>The label for <paramref name="key"/>; a missing key shows as itself (a test keeps both files complete).</summary>
    public string this[string key] => _table.TryGetValue(key, out var text) ? text : key;

    /// <summary>The keys of one language's file, for the test that keeps the files alike.</summary>
    public static IReadOnlyCollection<string> Keys(string language) => Tables[language].Keys;

    public static ConsoleText For(string language) => new(Languages.Contains(language) ? language : Chinese);

    /// <summary>The operator's own choice, else the remembered switch, else the browser's first language we have, else Chinese.</summary>
    public static ConsoleText For(HttpContext http, string? operatorLanguage)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (operatorLanguage is { } chosen && Languages.Contains(chosen))
        {
            return new ConsoleText(chosen);
        }

        if (http.Request.Cookies[LanguageCookie] is { } remembered && Languages.Contains(remembered))
        {
            return new ConsoleText(remembered);
        }

        var accepted = http.Request.GetTypedHeaders().AcceptLanguage
            .Where(a => a.Quality is null or > 0)
            .OrderByDescending(a => a.Quality ?? 1);
        foreach (var value in accepted.Select(a => a.Value.Value ?? string.Empty))
        {
            if (value.StartsWith("zh", StringComparison.OrdinalIgnoreCase))
            {
                return new ConsoleText(Chinese);
            }

            if (value.StartsWith("en", StringComparison.OrdinalIgnoreCase))
            {
                return new ConsoleText(English);
            }
        }

        return new ConsoleText(Chinese);
    }

    private static FrozenDictionary<string, string> Load(string language)
    {
        using var stream = typeof(ConsoleText).Assembly.GetManifestResourceStream($"console-text.{language}.json")
            ?? throw new InvalidOperationException($"the console's text for {language} is missing from the relay");
        return (JsonSerializer.Deserialize<Dictionary<string, string>>(stream) ?? []).ToFrozenDictionary(StringComparer.Ordinal);
    }
}
