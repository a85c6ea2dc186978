using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using CloudRelay.Devices;
using CloudRelay.Hosting;
using CloudRelay.Settings;
using CloudRelay.Database;
using CloudRelay.Tls;
using EdgeGateway.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Formatter;

namespace CloudRelay.Tests;

/// <summary>The relay's encryption rule, one setting at a time.</summary>
[Trait("Category", "Unit")]
public sealed class RelayTlsRuleTests
{
    [Fact]
    public void An_embedded_relay_without_a_certificate_or_AllowPlaintext_is_one_line_naming_the_key()
    {
        var options = new RelayOptions { DataDir = Path.Combine(Path.GetTempPath(), $"no-such-{Guid.NewGuid():N}") };

        var result = new RelayListenersValidator().Validate(null, options);

        var line = Assert.Single(result.Failures ?? []);
        Assert.StartsWith("Relay:Mqtt:TlsCertificate is not set", line, StringComparison.Ordinal);
        Assert.Contains("cloud-relay certs init", line, StringComparison.Ordinal);
        Assert.Contains("Relay:Mqtt:AllowPlaintext=true", line, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', line);
    }

    [Fact]
    public void AllowPlaintext_without_a_certificate_is_valid_and_binds_loopback_unless_BindAddress_says_otherwise()
    {
        var plain = new RelayOptions { DataDir = "unused", Mqtt = new RelayMqttOptions { AllowPlaintext = true } };
        var everywhere = new RelayOptions { DataDir = "unused", Mqtt = new RelayMqttOptions { AllowPlaintext = true, BindAddress = "0.0.0.0" } };
        var external = new RelayOptions { DataDir = "unused", Mqtt = new RelayMqttOptions { Broker = "mqtts://broker:8883" } };
        var badBind = new RelayOptions { DataDir = "unused", Mqtt = new RelayMqttOptions { AllowPlaintext = true, BindAddress = "lan" } };

        Assert.True(new RelayListenersValidator().Validate(null, plain).Succeeded);
        Assert.Equal(IPAddress.Loopback, RelayTls.PlaintextAddress(plain.Mqtt));
        Assert.Equal(IPAddress.Any, RelayTls.PlaintextAddress(everywhere.Mqtt));
        // An external broker does its own TLS; the relay then needs no certificate.
        Assert.True(new RelayListenersValidator().Validate(null, external).Succeeded);
        Assert.StartsWith("Relay:Mqtt:BindAddress 'lan' is invalid", Assert.Single(new RelayListenersValidator().Validate(null, badBind).Failures ?? []), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080", false, null)]
    [InlineData("http://localhost:8080", false, null)]
    [InlineData("http://[::1]:8080", false, null)]
    [InlineData("http://0.0.0.0:8080", false, "--http-url 'http://0.0.0.0:8080' would send the API key and device tokens in clear")]
    [InlineData("http://*:8080", false, "--http-url 'http://*:8080' would send")]
    [InlineData("http://0.0.0.0:8080", true, null)]
    [InlineData("https://0.0.0.0:8443", false, "--http-url 'https://0.0.0.0:8443' is https; expected the relay's certificate")]
    [InlineData("ftp://x", false, "--http-url 'ftp://x' is invalid")]
    public void The_api_is_plain_http_only_on_loopback_or_when_allowed(string url, bool allowPlaintext, string? problem)
    {
        var options = new RelayOptions { DataDir = "no-such-folder", Mqtt = new RelayMqttOptions { AllowPlaintext = allowPlaintext } };

        var found = RelayTls.HttpUrlProblem(url, options);

        if (problem is null)
        {
            Assert.Null(found);
        }
        else
        {
            Assert.NotNull(found);
            Assert.StartsWith(problem, found, StringComparison.Ordinal);
        }
    }
}

/// <summary>
/// A real relay: TLS by default with the certificate from <c>cloud-relay certs init</c>, checked with the
/// real Mosquitto client and openssl, and plain MQTT only on loopback when allowed.
/// </summary>
[Trait("Category", "Integration")]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class EncryptedRelayTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("relay-tls-default-").FullName;

    [Fact]
    public async Task Without_a_certificate_or_AllowPlaintext_cloud_relay_run_stops_at_start_with_one_line()
    {
        var (exit, stdout, stderr) = await RunAsync(TimeSpan.FromSeconds(60), "dotnet", null,
            Path.Combine(AppContext.BaseDirectory, "cloud-relay.dll"), "run", "--data-dir", _dataDir, "--http-url", $"http://127.0.0.1:{FreePort.Next()}");

        Assert.Equal(2, exit);
        var line = Assert.Single(stderr.Trim().Split('\n'));
        Assert.StartsWith("cloud-relay: Relay:Mqtt:TlsCertificate is not set", line, StringComparison.Ordinal);
        Assert.Contains("Relay:Mqtt:AllowPlaintext=true", line, StringComparison.Ordinal);
        Assert.DoesNotContain("listening", stdout, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Certs_init_prints_the_CA_fingerprint_openssl_computes_keeps_keys_private_and_keeps_existing_files()
    {
        var tls = Path.Combine(_dataDir, "tls");

        var (exit, output, _) = await CertsInitAsync("--host", "relay.example.com", "--host", "10.20.30.40");

        Assert.Equal(0, exit);
        var fingerprint = Fingerprint(output);
        var (_, openssl, _) = await RunAsync(TimeSpan.FromSeconds(30), "openssl", null, "x509", "-in", Path.Combine(tls, "ca.crt"), "-noout", "-fingerprint", "-sha256");
        Assert.Equal(openssl.Trim().Split('=')[1], fingerprint);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(tls, "ca.key")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(tls, "relay.key")));
        var (verifyExit, verified, _) = await RunAsync(TimeSpan.FromSeconds(30), "openssl", null, "verify", "-CAfile", Path.Combine(tls, "ca.crt"),
            "-verify_hostname", "relay.example.com", Path.Combine(tls, "relay.crt"));
        Assert.True(verifyExit == 0, verified);
        using var server = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(tls, "relay.crt"));
        var names = server.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Equal(["relay.example.com", "localhost"], names.EnumerateDnsNames());
        Assert.Equal([IPAddress.Parse("10.20.30.40"), IPAddress.Loopback, IPAddress.IPv6Loopback], names.EnumerateIPAddresses());

        // Running it again changes nothing; --force makes a new CA.
        var serverBefore = await File.ReadAllTextAsync(Path.Combine(tls, "relay.crt"));
        var (againExit, again, _) = await CertsInitAsync();
        Assert.Equal(serverBefore, await File.ReadAllTextAsync(Path.Combine(tls, "relay.crt")));
        var (forcedExit, forced, _) = await CertsInitAsync("--force");
        Assert.Equal(0, againExit);
        Assert.Contains("kept", again, StringComparison.Ordinal);
        Assert.Equal(fingerprint, Fingerprint(again));
        Assert.Equal(0, forcedExit);
        Assert.NotEqual(fingerprint, Fingerprint(forced));
    }

    [Fact]
    public async Task Certs_init_takes_the_data_folder_from_the_config_file_and_a_given_flag_as_run_does()
    {
        var fromFile = Path.Combine(_dataDir, "from-file");
        var config = Path.Combine(_dataDir, "relay.json");
        File.WriteAllText(config, $$"""{ "Relay": { "DataDir": "{{fromFile}}" } }""");
        var dll = Path.Combine(AppContext.BaseDirectory, "cloud-relay.dll");

        var (exit, output, error) = await RunAsync(TimeSpan.FromSeconds(60), "dotnet", null, dll, "certs", "init", "--config", config);

        Assert.True(exit == 0, error);
        Assert.True(File.Exists(Path.Combine(fromFile, "tls", "relay.crt")), output);
        Assert.Contains($"Relay:DataDir {fromFile}", output, StringComparison.Ordinal);

        // A given flag still wins over the file.
        var fromFlag = Path.Combine(_dataDir, "from-flag");
        var (flagExit, _, flagError) = await RunAsync(TimeSpan.FromSeconds(60), "dotnet", null, dll, "certs", "init", "--config", config, "--data-dir", fromFlag);
        Assert.True(flagExit == 0, flagError);
        Assert.True(File.Exists(Path.Combine(fromFlag, "tls", "relay.crt")));
    }

    [Fact]
    public async Task The_tls_port_serves_the_certs_init_certificate_to_mosquitto_with_the_CA_and_refuses_clients_without_it()
    {
        var (initExit, _, initError) = await CertsInitAsync();
        Assert.True(initExit == 0, initError);
        var caFile = Path.Combine(_dataDir, "tls", "ca.crt");
        var tlsPort = FreePort.Next();
        var plainPort = FreePort.Next();
        var httpsPort = FreePort.Next();
        // No AllowPlaintext and no explicit certificate: the relay finds the one certs init made in its data folder.
        await using var relay = RelayHost.Build(new RelayStartOptions
        {
            MqttPort = plainPort,
            HttpUrl = $"https://127.0.0.1:{httpsPort}",
            DataDir = _dataDir,
            LogLevel = LogLevel.Warning,
            Settings = new Dictionary<string, string?> { ["Mqtt:TlsPort"] = tlsPort.ToString(CultureInfo.InvariantCulture) },
        });
        await relay.StartAsync();
        var credentials = await relay.RegisterDeviceAsync("site-1", "box-1");
        var store = relay.Services.GetRequiredService<IRelayStore>();
        string[] Publish(Alert alert, params string[] tls) =>
        [
            "-h", "127.0.0.1", "-p", tlsPort.ToString(CultureInfo.InvariantCulture), "-V", "5", "-q", "1",
            "-i", "edgegw-site-1-box-1", "-u", credentials.Username, "-P", credentials.Password,
            "-t", "edge/site-1/box-1/alert", "-m", System.Text.Encoding.UTF8.GetString(AlertJson.Encode(alert)), .. tls,
        ];

        var trusted = TestAlerts.Make("site-1", "box-1");
        var (withCa, _, withCaError) = await RunAsync(TimeSpan.FromSeconds(30), "mosquitto_pub", null, Publish(trusted, "--cafile", caFile));
        var untrusted = TestAlerts.Make("site-1", "box-1");
        // The machine's public CAs do not vouch for the relay's private CA.
        var (systemCas, _, systemError) = await RunAsync(TimeSpan.FromSeconds(30), "mosquitto_pub", null, Publish(untrusted, "--capath", "/etc/ssl/certs"));
        var plain = TestAlerts.Make("site-1", "box-1");
        var (plainExit, _, _) = await RunAsync(TimeSpan.FromSeconds(30), "mosquitto_pub", null, Publish(plain));

        Assert.True(withCa == 0, withCaError);
        Assert.Equal(trusted, (await store.FindAlertAsync(trusted.Id, CancellationToken.None))?.Alert);
        Assert.NotEqual(0, systemCas);
        Assert.Contains("TLS", systemError, StringComparison.Ordinal);
        Assert.Null(await store.FindAlertAsync(untrusted.Id, CancellationToken.None));
        Assert.NotEqual(0, plainExit);
        Assert.Null(await store.FindAlertAsync(plain.Id, CancellationToken.None));
        Assert.Equal(1, await store.CountAlertsAsync(CancellationToken.None));

        // No plain listener without AllowPlaintext.
        Assert.DoesNotContain(IPGlobalProperties.GetIPGlobalProperties().GetActiveTcpListeners(), l => l.Port == plainPort);
        await Assert.ThrowsAnyAsync<SocketException>(() => ConnectTcpAsync(IPAddress.Loopback, plainPort));

        // The REST API is https with the same certificate: a client trusting only the CA gets in.
        using var authority = X509CertificateLoader.LoadCertificateFromFile(caFile);
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, certificate, _, _) => ChainsTo(certificate, authority) };
        using var https = new HttpClient(handler);
        Assert.Equal(HttpStatusCode.OK, (await https.GetAsync(new Uri($"https://127.0.0.1:{httpsPort}/healthz"))).StatusCode);
        using var strict = new HttpClient();
        await Assert.ThrowsAsync<HttpRequestException>(() => strict.GetAsync(new Uri($"https://127.0.0.1:{httpsPort}/healthz")));
        await relay.StopAsync();
    }

    [Fact]
    public async Task With_AllowPlaintext_and_no_certificate_plain_mqtt_listens_on_loopback_only()
    {
        var port = FreePort.Next();
        await using var relay = RelayHost.Build(new RelayStartOptions
        {
            MqttPort = port,
            AllowPlaintext = true,
            HttpUrl = "http://127.0.0.1:0",
            DataDir = _dataDir,
            LogLevel = LogLevel.Warning,
        });
        await relay.StartAsync();
        var credentials = await relay.RegisterDeviceAsync("site-1", "box-1");

        var listeners = IPGlobalProperties.GetIPGlobalProperties().GetActiveTcpListeners().Where(l => l.Port == port).ToList();
        Assert.Contains(new IPEndPoint(IPAddress.Loopback, port), listeners);
        Assert.All(listeners, l => Assert.True(IPAddress.IsLoopback(l.Address), $"plain MQTT listens on {l}"));
        using var client = new MqttClientFactory().CreateMqttClient();
        var connected = await client.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port).WithProtocolVersion(MqttProtocolVersion.V500).WithClientId(ClientIds.DefaultFor("site-1", "box-1"))
            .WithCredentials(credentials.Username, credentials.Password).WithTimeout(TimeSpan.FromSeconds(10)).Build());
        Assert.Equal(MqttClientConnectResultCode.Success, connected.ResultCode);
        Assert.True((await client.PublishAlertAsync(TestAlerts.Make("site-1", "box-1"))).IsSuccess);

        // This machine's own network address does not reach the plain listener.
        var lan = LanAddresses();
        foreach (var address in lan)
        {
            var refused = await Assert.ThrowsAnyAsync<SocketException>(() => ConnectTcpAsync(address, port));
            Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        }

        await client.DisconnectAsync();
        await relay.StopAsync();
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dataDir, recursive: true);
    }

    private Task<(int Exit, string Stdout, string Stderr)> CertsInitAsync(params string[] arguments) =>
        RunAsync(TimeSpan.FromSeconds(60), "dotnet", null, [Path.Combine(AppContext.BaseDirectory, "cloud-relay.dll"), "certs", "init", "--data-dir", _dataDir, .. arguments]);

    private static string Fingerprint(string output)
    {
        const string prefix = "CA SHA-256 fingerprint: ";
        var line = Assert.Single(output.Split('\n'), l => l.StartsWith(prefix, StringComparison.Ordinal));
        return line[prefix.Length..].Trim();
    }

    private static bool ChainsTo(X509Certificate2? certificate, X509Certificate2 authority)
    {
        if (certificate is null)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }

    /// <summary>This machine's non-loopback IPv4 addresses (e.g. what <c>hostname -I</c> prints).</summary>
    private static List<IPAddress> LanAddresses() =>
    [
        .. NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .Where(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a)),
    ];

    private static async Task ConnectTcpAsync(IPAddress address, int port)
    {
        using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await socket.ConnectAsync(new IPEndPoint(address, port), timeout.Token);
    }

    internal static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(TimeSpan limit, string program, string? input, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = input is not null, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
            process.StandardInput.Close();
        }

        using var timeout = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not exit within {limit.TotalSeconds} s");
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}
