using System.Net;
using System.Text.RegularExpressions;

namespace EdgeGateway.Vision.Sources;

public enum SourceKind
{
    Rtsp,
    Http,
    File,
    V4l2,
}

/// <summary>What kind of source a camera URL names, what to hand to FFmpeg, and how to print it safely.</summary>
public static partial class CameraUrl
{
    public static bool TryClassify(string? url, out SourceKind kind)
    {
        kind = SourceKind.File;
        if (string.IsNullOrWhiteSpace(url))
        {
            return false;
        }

        if (url.StartsWith("v4l2://", StringComparison.OrdinalIgnoreCase) || url.StartsWith("/dev/video", StringComparison.Ordinal))
        {
            kind = SourceKind.V4l2;
            return true;
        }

        if (url.StartsWith("file://", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        // The scheme and host are read past the user info, so a password with '#', '?' or '/' still classifies.
        var scheme = url.IndexOf("://", StringComparison.Ordinal);
        if (scheme > 0 && Endpoint(url) is not null)
        {
            switch (url[..scheme].ToLowerInvariant())
            {
                case "rtsp" or "rtsps" or "rtmp":
                    kind = SourceKind.Rtsp;
                    return true;
                case "http" or "https":
                    kind = SourceKind.Http;
                    return true;
                default:
                    return false;
            }
        }

        // A plain path, absolute or relative.
        return !url.Contains("://", StringComparison.Ordinal);
    }

    /// <summary>What FFmpeg opens: the URL itself, or the path of a file or device.</summary>
    public static string OpenTarget(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (url.StartsWith("file://", StringComparison.OrdinalIgnoreCase))
        {
            return new Uri(url).LocalPath;
        }

        return url.StartsWith("v4l2://", StringComparison.OrdinalIgnoreCase) ? url["v4l2://".Length..] : url;
    }

    /// <summary>The host and port of a network source, for a quick reachability check.</summary>
    public static DnsEndPoint? Endpoint(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        // Without the user info: a '/' in the password would make part of it the host and port.
        var scheme = url.IndexOf("://", StringComparison.Ordinal);
        var at = url.LastIndexOf('@');
        var withoutUser = scheme > 0 && at > scheme ? string.Concat(url.AsSpan(0, scheme + 3), url.AsSpan(at + 1)) : url;
        if (!Uri.TryCreate(withoutUser, UriKind.Absolute, out var uri) || uri.Scheme is "file")
        {
            return null;
        }

        var port = uri.Port > 0 ? uri.Port : uri.Scheme switch
        {
            "rtsp" => 554,
            "rtsps" => 322,
            "https" => 443,
            "rtmp" => 1935,
            _ => 80,
        };
        return new DnsEndPoint(uri.Host, port);
    }

    /// <summary>
    /// The URL without its password, for logs and health (secrets are never logged). Read by hand, not by
    /// <see cref="Uri"/>: a password holding '#', '?' or '/' (as installers type them, unencoded) stops
    /// <see cref="Uri"/> from finding the user info at all. The user info runs from the scheme to the last '@',
    /// so an '@' later in the path hides more than the password, never less.
    /// </summary>
    public static string Redact(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return Password(url) is var (start, length) ? string.Concat(url.AsSpan(0, start), "***", url.AsSpan(start + length)) : url;
    }

    /// <summary>
    /// A line that may quote the camera's URL (an FFmpeg or OpenCV error): the URL redacted, the password removed
    /// wherever it appears (as written or percent-decoded), and the password of any other <c>//user:password@</c> hidden.
    /// </summary>
    public static string RedactLine(string line, string url)
    {
        ArgumentNullException.ThrowIfNull(line);
        ArgumentNullException.ThrowIfNull(url);
        var safe = line.Replace(url, Redact(url), StringComparison.Ordinal);
        if (Password(url) is var (start, length))
        {
            var password = url.Substring(start, length);
            foreach (var form in new[] { password, Uri.UnescapeDataString(password) }.Where(f => f.Length >= MinPasswordToSearch))
            {
                safe = safe.Replace(form, "***", StringComparison.Ordinal);
            }
        }

        return UserInfo().Replace(safe, "//$1:***@");
    }

    /// <summary>Shorter passwords would blank ordinary words of the line; the URL itself is redacted anyway.</summary>
    private const int MinPasswordToSearch = 3;

    /// <summary>Where the password is in the URL: after the first ':' of the user info, up to the last '@'.</summary>
    private static (int Start, int Length)? Password(string url)
    {
        var scheme = url.IndexOf("://", StringComparison.Ordinal);
        if (scheme <= 0 || url.AsSpan(0, scheme).ContainsAny("/@?#"))
        {
            return null;
        }

        var start = scheme + 3;
        var at = url.LastIndexOf('@');
        if (at < start)
        {
            return null;
        }

        // A user name alone is no secret.
        var colon = url.IndexOf(':', start, at - start);
        return colon < 0 ? null : (colon + 1, at - colon - 1);
    }

    [GeneratedRegex(@"//([^\s@:/]+):[^\s@]*@")]
    private static partial Regex UserInfo();
}
