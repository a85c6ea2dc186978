using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using EdgeGateway.Host.Diagnostics;
using EdgeGateway.Host.Gateway;
using EdgeGateway.Host.Setup;
using EdgeGateway.Host.Tests.Browser;
using EdgeGateway.Host.Tests.Setup;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Host.Tests.Diagnostics;

/// <summary>
/// The page on real Kestrel: HTTPS by default with the box's own certificate (made at first start, or by
/// provision), Secure cookies, and plain HTTP only on loopback.
/// </summary>
[Trait("Category", "Integration")]
public sealed class PageHttpsTests : IDisposable
{
    private const string Password = "kitchen-tech-2026";
    private static readonly string PasswordHash = TechnicianPassword.Hash(Password);
    private readonly TempDir _dir = new();

    private Dictionary<string, string?> Box() => new()
    {
        ["Device:Id"] = "kitchen-0042",
        ["Device:Site"] = "xuhui-0193",
        ["Storage:DataDir"] = _dir.Path,
        // Nobody listens there; the uplink retries quietly while the page is tested.
        ["Uplink:Broker"] = "mqtt://127.0.0.1:9",
        ["Diagnostics:PasswordHash"] = PasswordHash,
    };

    [Fact]
    public async Task A_hand_written_config_gets_its_own_certificate_at_first_start_and_logs_only_its_fingerprint()
    {
        var logs = new LogLines();
        string fingerprint;
        await using (var gateway = await RunningGateway.StartAsync(Box(), builder => builder.Logging.AddProvider(logs)))
        {
            Assert.Equal("https", gateway.Address.Scheme);
            var certificate = Assert.IsType<string>(gateway.Certificate);
            var key = Path.Combine(_dir.Path, "page-tls", "page.key");
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
            fingerprint = PageCertificate.Fingerprint(certificate);
            var line = Assert.Single(logs.Texts, l => l.Contains("Made the diagnostics page's own certificate", StringComparison.Ordinal));
            Assert.Contains(fingerprint, line, StringComparison.Ordinal);
            var keyBody = File.ReadAllText(key).Split('\n')[1];
            Assert.DoesNotContain(logs.Texts, l => l.Contains(keyBody, StringComparison.Ordinal));

            // A browser that trusts exactly this certificate gets the page; one that trusts the system's CAs does not.
            using var pinned = PinnedClient(gateway.Address, certificate);
            Assert.Equal(HttpStatusCode.OK, (await pinned.GetAsync(new Uri("/healthz", UriKind.Relative))).StatusCode);
            using var strict = new HttpClient { BaseAddress = gateway.Address };
            await Assert.ThrowsAsync<HttpRequestException>(() => strict.GetAsync(new Uri("/healthz", UriKind.Relative)));
            // Nothing answers in clear on the page's port.
            using var plain = new HttpClient { BaseAddress = new UriBuilder(gateway.Address) { Scheme = "http" }.Uri, Timeout = TimeSpan.FromSeconds(10) };
            await Assert.ThrowsAnyAsync<Exception>(() => plain.GetAsync(new Uri("/healthz", UriKind.Relative)));

            // Both cookies are Secure.
            var csrf = await pinned.GetFromJsonAsync<JsonElement>("/api/csrf");
            using var login = new HttpRequestMessage(HttpMethod.Post, "/api/login") { Content = JsonContent.Create(new { password = Password }) };
            login.Headers.Add("X-CSRF-TOKEN", csrf.GetProperty("token").GetString());
            using var loggedIn = await pinned.SendAsync(login);
            Assert.Equal(HttpStatusCode.NoContent, loggedIn.StatusCode);
            var session = Assert.Single(loggedIn.Headers.GetValues("Set-Cookie"), c => c.StartsWith("edgegw.session=", StringComparison.Ordinal));
            Assert.Contains("; secure", session, StringComparison.OrdinalIgnoreCase);
        }

        // The next start serves the same certificate, so the technician's browser keeps trusting it.
        var again = new LogLines();
        await using (var gateway = await RunningGateway.StartAsync(Box(), builder => builder.Logging.AddProvider(again)))
        {
            Assert.Equal(fingerprint, PageCertificate.Fingerprint(gateway.Certificate!));
            Assert.DoesNotContain(again.Texts, l => l.Contains("Made the diagnostics page's own certificate", StringComparison.Ordinal));
            Assert.Contains(again.Texts, l => l.Contains(fingerprint, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task A_plain_http_page_off_loopback_is_refused_at_start_with_one_line()
    {
        var box = Box();
        box["Diagnostics:Url"] = "http://0.0.0.0:8080";
        var settings = new ConfigurationBuilder().AddInMemoryCollection(box).Build();

        // Refused while the service is built, before anything listens; `edgegw run` prints each failure as one line.
        var refused = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
        {
            await using var app = GatewayApp.Build(settings);
            await app.StartAsync();
        });

        var line = Assert.Single(refused.Failures);
        Assert.Equal(
            "Diagnostics:Url = 'http://0.0.0.0:8080': plain http:// only on loopback (e.g. http://127.0.0.1:8080), since the technician password and session would cross the network in clear; expected https://0.0.0.0:8080",
            line);
    }

    [Fact]
    public async Task Provision_makes_the_page_certificate_beside_the_config_and_prints_its_fingerprint()
    {
        var config = _dir.File("gateway.json");
        string[] flags =
        [
            "provision", "--config", config, "--non-interactive", "--skip-models",
            "--device-id", "kitchen-0042", "--site", "xuhui-0193", "--data-dir", _dir.Path,
            "--board", "simulated",
            "--broker", "mqtts://relay.example.com:8883", "--username", "xuhui-0193/kitchen-0042", "--password-file", _dir.Secret("uplink-password", "device-token"),
            "--diagnostics-password-file", _dir.Secret("technician-password", Password),
        ];

        var (exit, output) = await CliRun.SetupAsync(flags);

        Assert.True(exit == 0, output);
        var certificate = _dir.File("page.crt");
        var key = _dir.File("page.key");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
        var fingerprint = PageCertificate.Fingerprint(certificate);
        Assert.Contains($"Diagnostics page SHA-256 fingerprint: {fingerprint}", output, StringComparison.Ordinal);
        Assert.DoesNotContain(File.ReadAllText(key).Split('\n')[1], output, StringComparison.Ordinal);
        using (var json = JsonDocument.Parse(File.ReadAllText(config)))
        {
            var diagnostics = json.RootElement.GetProperty("Diagnostics");
            Assert.Equal("https://0.0.0.0:8443", diagnostics.GetProperty("Url").GetString());
            Assert.Equal(certificate, diagnostics.GetProperty("CertificatePath").GetString());
            Assert.Equal(key, diagnostics.GetProperty("CertificateKeyPath").GetString());
        }

        // A re-run keeps the certificate the technician has already accepted.
        var (again, againOutput) = await CliRun.SetupAsync([.. flags, "--force"]);
        Assert.True(again == 0, againOutput);
        Assert.Equal(fingerprint, PageCertificate.Fingerprint(certificate));
        Assert.Contains(fingerprint, againOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Provision_refuses_a_plain_http_relay_url_in_one_line_and_spends_no_claim_code()
    {
        var config = _dir.File("gateway.json");

        var (exit, output) = await CliRun.SetupAsync(
            "provision", "--config", config, "--non-interactive", "--skip-models", "--data-dir", _dir.Path, "--board", "simulated",
            "--broker", "mqtts://relay.example.com:8883", "--relay-url", "http://example.com", "--claim-code", "ABCD-EFGH-JKLM",
            "--diagnostics-password-file", _dir.Secret("technician-password", Password));

        Assert.Equal(2, exit);
        var line = Assert.Single(output.Split('\n'), l => l.Contains(ConfigKeys.RelayUrl, StringComparison.Ordinal));
        Assert.Contains("Relay:Url = 'http://example.com': expected https://example.com", line, StringComparison.Ordinal);
        Assert.False(File.Exists(config));
    }

    public void Dispose() => _dir.Dispose();

    private static HttpClient PinnedClient(Uri address, string certificatePath)
    {
        var expected = X509CertificateLoader.LoadCertificateFromFile(certificatePath).GetCertHashString(HashAlgorithmName.SHA256);
        var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, presented, _, _) => presented?.GetCertHashString(HashAlgorithmName.SHA256) == expected,
        };
        return new HttpClient(handler) { BaseAddress = address };
    }

    private sealed class LogLines : ILoggerProvider
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public IReadOnlyList<string> Texts => [.. _lines];

        public ILogger CreateLogger(string categoryName) => new Logger(_lines);

        public void Dispose()
        {
        }

        private sealed class Logger(ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue(formatter(state, exception));
        }
    }
}
