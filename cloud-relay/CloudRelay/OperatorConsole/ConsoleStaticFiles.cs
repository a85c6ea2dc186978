using System.Collections.Frozen;
using Microsoft.AspNetCore.Http;

namespace CloudRelay.OperatorConsole;

/// <summary>The console's own stylesheet and script, embedded in the relay: nothing comes from a CDN or the internet.</summary>
internal static class ConsoleStaticFiles
{
    private static readonly FrozenDictionary<string, (byte[] Bytes, string ContentType)> Files = new Dictionary<string, (byte[], string)>
    {
        ["console.css"] = (Load("console.css"), "text/css; charset=utf-8"),
        ["console.js"] = (Load("console.js"), "text/javascript; charset=utf-8"),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public static IResult Serve(string file, HttpContext http)
    {
        if (!Files.TryGetValue(file, out var found))
        {
            return Results.NotFound();
        }

        http.Response.Headers.CacheControl = "no-cache";
        return Results.Bytes(found.Bytes, found.ContentType);
    }

    private static byte[] Load(string name)
    {
        using var stream = typeof(ConsoleStaticFiles).Assembly.GetManifestResourceStream($"console-static.{name}")
            ?? throw new InvalidOperationException($"the console's {name} is missing from the relay");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
