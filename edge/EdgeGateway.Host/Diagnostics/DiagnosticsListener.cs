using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Core;
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
            if (wildcard == url || !TryParse(wildcard, out listener, out problem))
            {
                problem = "expected an absolute http:// or https:// URL such as http://0.0.0.0:8080";
                return false;
            }

            return true;
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

        listener = new DiagnosticsListener(address, uri.Port, uri.Scheme == "https");
        problem = string.Empty;
        return true;
    }
}

/// <summary>Binds Kestrel to <c>Diagnostics:Url</c>, with the box's certificate when it is https.</summary>
internal sealed class DiagnosticsKestrelSetup(IOptions<DiagnosticsOptions> options) : IConfigureOptions<KestrelServerOptions>
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
        kestrel.Listen(listener.Address, listener.Port, endpoint =>
        {
            if (listener.Https && diagnostics.CertificatePath is { Length: > 0 } certificatePath)
            {
                endpoint.UseHttps(LoadCertificate(certificatePath, diagnostics.CertificateKeyPath));
            }
        });
    }

    private static X509Certificate2 LoadCertificate(string certificatePath, string? keyPath)
    {
        using var pem = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        // Kestrel wants a certificate whose key is not ephemeral; round-trip through PKCS#12.
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), password: null);
    }
}
