using System.Net;

namespace EdgeGateway.Vision.Sources;

public enum SourceKind
{
    Rtsp,
    Http,
    File,
    V4l2,
}

/// <summary>What kind of source a camera URL names, what to hand to FFmpeg, and how to print it safely.</summary>
public static class CameraUrl
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

        if (Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is not "file")
        {
            switch (uri.Scheme)
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
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is "file")
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

    /// <summary>The URL without its password, for logs and health (secrets are never logged).</summary>
    public static string Redact(string url)
    {
        if (Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.UserInfo.Length > 0)
        {
            var user = uri.UserInfo.Split(':', 2)[0];
            return new UriBuilder(uri) { UserName = user, Password = "***" }.Uri.ToString();
        }

        return url;
    }
}
