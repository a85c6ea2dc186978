using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Unicode;

namespace CloudRelay.OperatorConsole;

/// <summary>A page being written: every value goes through <see cref="Text"/> (HTML-encoded); markup only from constants.</summary>
internal sealed class Html
{
    private static readonly HtmlEncoder Encoder = HtmlEncoder.Create(UnicodeRanges.All);
    private readonly StringBuilder _out = new();

    public Html Raw(string markup)
    {
        _out.Append(markup);
        return this;
    }

    public Html Text(string? value)
    {
        _out.Append(Encoder.Encode(value ?? string.Empty));
        return this;
    }

    /// <summary>An element with encoded text: <c>&lt;tag attrs&gt;text&lt;/tag&gt;</c>; <paramref name="attributes"/> are encoded values.</summary>
    public Html Element(string tag, string? text, params (string Name, string? Value)[] attributes)
    {
        Open(tag, attributes);
        Text(text);
        return Raw($"</{tag}>");
    }

    public Html Open(string tag, params (string Name, string? Value)[] attributes)
    {
        _out.Append('<').Append(tag);
        foreach (var (name, value) in attributes)
        {
            if (value is not null)
            {
                _out.Append(' ').Append(name).Append("=\"").Append(Encoder.Encode(value)).Append('"');
            }
        }

        _out.Append('>');
        return this;
    }

    /// <summary>A time the page's script shows in the reader's own time zone; UTC until it runs.</summary>
    public Html Time(long? ms, string whenNone = "")
    {
        if (ms is not { } value)
        {
            return Text(whenNone);
        }

        var at = DateTimeOffset.FromUnixTimeMilliseconds(value);
        return Element("time", at.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture),
            ("datetime", at.ToString("O", CultureInfo.InvariantCulture)), ("data-ms", value.ToString(CultureInfo.InvariantCulture)));
    }

    public override string ToString() => _out.ToString();
}
