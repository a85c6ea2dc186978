using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Host.Diagnostics;

/// <summary>The address the page binds to, parsed from <c>Diagnostics:Url</c>.</summary>
internal readonly record struct DiagnosticsListener(IPAddress Address, int Port, bool Https)
{
    public static bool TryParse(string? url, out DiagnosticsListener listener, out string problem)
    {
        listener = default;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            // Uri rejects the Kestrel wildcards, so accept them by hand.
            var wildcard = url?.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal);
            if (wildcard == url)
            {
                problem = $"expected an absolute https:// URL such as {DiagnosticsOptions.DefaultUrl} (or http://127.0.0.1:port for loopback only)";
                return false;
            }

            return TryParse(wildcard, out listener, out problem);
        }

        if (uri.AbsolutePath != "/" || uri.Query.Length > 0)
        {
            problem = "expected no path or query; the page is served at the root";
            return false;
        }

        IPAddress? address = uri.Host switch
        {
            "localhost" => IPAddress.Loopback,
            _ when IPAddress.TryParse(uri.Host.Trim('[', ']'), out var parsed) => parsed,
            _ => null,
        };
        if (address is null)
        {
            problem = "expected an IP address to listen on (0.0.0.0 for every interface, 127.0.0.1 for this box only)";
            return false;
        }

        if (uri.Scheme == "http" && !IPAddress.IsLoopback(address))
        {
            problem = $"plain http:// only on loopback (e.g. http://127.0.0.1:{uri.Port}), since the technician password and session would cross the network in clear; expected https://{uri.Host}:{uri.Port}";
            return false;
        }

        listener = new DiagnosticsListener(address, uri.Port, uri.Scheme == "https");
        problem = string.Empty;
        return true;
    }
}

/// <summary>
/// Binds Kestrel to <c>Diagnostics:Url</c>. Over https it serves the configured certificate, or the box's own,
/// made at first start in <c>{Storage:DataDir}/page-tls/</c>; either way its fingerprint is logged (never the key).
/// </summary>
internal sealed partial class DiagnosticsKestrelSetup(IOptions<DiagnosticsOptions> options, TimeProvider time, ILogger<DiagnosticsKestrelSetup> logger)
    : IConfigureOptions<KestrelServerOptions>
{
    public void Configure(KestrelServerOptions kestrel)
    {
        ArgumentNullException.ThrowIfNull(kestrel);
        var diagnostics = options.Value;
        if (!DiagnosticsListener.TryParse(diagnostics.Url, out var listener, out _))
        {
            return; // The options validator reports it at start.
        }

        kestrel.AddServerHeader = false;
        var certificate = listener.Https && diagnostics.CertificateFiles is { } files ? Certificate(files, diagnostics.MakesOwnCertificate) : null;
        kestrel.Listen(listener.Address, listener.Port, endpoint =>
        {
            if (certificate is not null)
            {
                endpoint.UseHttps(certificate);
            }
        });
    }

    private X509Certificate2 Certificate(PageCertificate.Files files, bool own)
    {
        try
        {
            var created = own && PageCertificate.Ensure(files, time);
            var certificate = PageCertificate.Load(files.Certificate, files.Key);
            var fingerprint = PageCertificate.Fingerprint(files.Certificate);
            if (created)
            {
                Log.Created(logger, files.Certificate, fingerprint);
            }
            else
            {
                Log.Serving(logger, files.Certificate, fingerprint);
            }

            return certificate;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            // One line at start, like any other bad setting.
            throw new InvalidDataException(own
                ? $"Diagnostics: cannot make the page's certificate {files.Certificate}: {ex.Message}; check that Storage:DataDir is writable"
                : $"Diagnostics:CertificatePath = '{files.Certificate}': cannot load it with its key ({ex.Message}); expected a PEM certificate and Diagnostics:CertificateKeyPath");
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = HostLogEvents.PageCertificateCreated, Level = LogLevel.Warning, Message = "Made the diagnostics page's own certificate {Path}; SHA-256 fingerprint {Fingerprint} (the technician checks it the first time the browser asks)")]
        public static partial void Created(ILogger logger, string path, string fingerprint);

        [LoggerMessage(EventId = HostLogEvents.PageCertificateServing, Level = LogLevel.Information, Message = "Diagnostics page serves HTTPS with {Path}; SHA-256 fingerprint {Fingerprint}")]
        public static partial void Serving(ILogger logger, string path, string fingerprint);
    }
}
