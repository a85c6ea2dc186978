using System.Net.Http.Headers;
using CloudRelay.Api;
using CloudRelay.Devices;
using CloudRelay.Hosting;
using CloudRelay.Ingest;
using CloudRelay.Database;
using EdgeGateway.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace CloudRelay.Tests;

/// <summary>A real relay on free loopback ports with its own temp data folder.</summary>
public sealed class RelayTestHost : IAsyncDisposable
{
    private readonly List<IMqttClient> _clients = [];

    private readonly bool _keepDataDir;

    private RelayTestHost(WebApplication app, string dataDir, int mqttPort, string httpUrl, bool keepDataDir, string apiKeyName, string apiKey)
    {
        _keepDataDir = keepDataDir;
        App = app;
        DataDir = dataDir;
        MqttPort = mqttPort;
        HttpUrl = httpUrl;
        Http = new HttpClient(Handler()) { BaseAddress = new Uri(httpUrl) };
        ApiKeyName = apiKeyName;
        ApiKey = apiKey;
        Http.DefaultRequestHeaders.Add(RelayApi.ApiKeyHeader, apiKey);
    }

    /// <summary>An admin API key made for the test, and its name.</summary>
    public string ApiKey { get; }

    public string ApiKeyName { get; }

    public WebApplication App { get; }

    public string DataDir { get; }

    public int MqttPort { get; }

    public string HttpUrl { get; }

    /// <summary>An HTTP client that sends the API key.</summary>
    public HttpClient Http { get; }

    /// <summary>An HTTP client that sends <paramref name="key"/> as its API key.</summary>
    public HttpClient ClientWithKey(string key)
    {
        var client = new HttpClient(Handler()) { BaseAddress = new Uri(HttpUrl) };
        client.DefaultRequestHeaders.Add(RelayApi.ApiKeyHeader, key);
        return client;
    }

    public IRelayStore Store => App.Services.GetRequiredService<IRelayStore>();

    public RelayCounters Counters => App.Counters();

    /// <summary>The relay's own certificate (made by <c>certs init</c>) when it serves https://, else null.</summary>
    public string? CertificatePath => HttpUrl.StartsWith("https:", StringComparison.Ordinal) ? Path.Combine(DataDir, "tls", "relay.crt") : null;

    /// <summary>A handler that trusts exactly the relay's own certificate (when it serves https://), optionally with cookies.</summary>
    public HttpClientHandler Handler(System.Net.CookieContainer? cookies = null)
    {
        // A console client (with cookies) sees each redirect itself; an API client follows them.
        var handler = new HttpClientHandler { AllowAutoRedirect = cookies is null, UseCookies = cookies is not null, CookieContainer = cookies ?? new System.Net.CookieContainer() };
        if (CertificatePath is { } path)
        {
            using var relay = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(path);
            var expected = relay.Thumbprint;
            handler.ServerCertificateCustomValidationCallback = (_, certificate, _, _) => certificate?.Thumbprint == expected;
        }

        return handler;
    }

    /// <param name="https">Serve the API and console on https:// with a certificate made as <c>cloud-relay certs init</c> does.</param>
    public static async Task<RelayTestHost> StartAsync(string? db = null, string? webhookUrl = null,
        IReadOnlyDictionary<string, string?>? settings = null, string? dataDir = null, bool keepDataDir = false, bool https = false)
    {
        dataDir ??= Directory.CreateTempSubdirectory("relay-test-").FullName;
        var mqttPort = FreePort.Next();
        if (https)
        {
            CloudRelay.Tls.RelayCertificateAuthority.Init(Path.Combine(dataDir, "tls"), [], force: false, TimeProvider.System);
            // With a certificate the broker's TLS listener opens too: on a free port, not 8883, so relays run side by side.
            settings = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>())
            {
                ["Mqtt:TlsPort"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Mqtt:TlsBindAddress"] = "127.0.0.1",
            };
        }

        var httpUrl = $"{(https ? "https" : "http")}://127.0.0.1:{FreePort.Next()}";
        var app = RelayHost.Build(new RelayStartOptions
        {
            MqttPort = mqttPort,
            MqttBindAddress = "127.0.0.1",
            AllowPlaintext = true,
            HttpUrl = httpUrl,
            DataDir = dataDir,
            Db = db,
            WebhookUrl = webhookUrl,
            Settings = settings,
            LogLevel = LogLevel.Warning,
        });
        await app.StartAsync();
        // Instances sharing a database each make their own key: names are unique per database.
        var apiKeyName = $"test-admin-{Guid.NewGuid():N}"[..20];
        var apiKey = await app.CreateApiKeyAsync(apiKeyName, ApiScopes.Admin);
        return new RelayTestHost(app, dataDir, mqttPort, httpUrl, keepDataDir, apiKeyName, apiKey);
    }

    /// <summary>Connects an MQTT 5 client the way an edge box does (username site/device, token password).</summary>
    /// <remarks>The client id is the box's own, <c>edgegw-{site}-{device}</c>, unless <paramref name="configure"/> sets another.</remarks>
    public async Task<IMqttClient> ConnectAsync(DeviceCredentials credentials, Action<MqttClientOptionsBuilder>? configure = null)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", MqttPort)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId(ClientIds.DefaultFor(credentials.Site, credentials.Device))
            .WithCredentials(credentials.Username, credentials.Password)
            .WithTimeout(TimeSpan.FromSeconds(10));
        configure?.Invoke(builder);
        _clients.Add(client);
        var result = await client.ConnectAsync(builder.Build());
        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            throw new InvalidOperationException($"connect refused: {result.ResultCode}");
        }

        return client;
    }

    public Task<DeviceCredentials> AddDeviceAsync(string site, string device) => App.RegisterDeviceAsync(site, device);

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            try
            {
                if (client.IsConnected)
                {
                    await client.DisconnectAsync(new MqttClientDisconnectOptions());
                }
            }
            catch (Exception)
            {
                // Already gone.
            }

            client.Dispose();
        }

        Http.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        if (_keepDataDir)
        {
            return;
        }

        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Alerts as an edge box makes them.</summary>
public static class TestAlerts
{
    private static long _sequence;

    /// <remarks>The default kind opens no case; tests of cases name a kind with a deadline.</remarks>
    public static Alert Make(string site, string device, string kind = AlertKinds.Test, AlertState state = AlertState.Raised, long? sequence = null) => new()
    {
        Id = Guid.CreateVersion7(),
        SiteId = site,
        DeviceId = device,
        Sequence = sequence ?? Interlocked.Increment(ref _sequence),
        Kind = kind,
        Severity = AlertSeverity.Major,
        State = state,
        TimestampMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        Attributes = new Dictionary<string, string>(StringComparer.Ordinal) { ["camera"] = "cam1", ["label"] = "person", ["score"] = "0.88" },
    };

    public static Task<MqttClientPublishResult> PublishAsync(this IMqttClient client, string topic, byte[] payload, bool retain = false) =>
        client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithRetainFlag(retain)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build());

    public static Task<MqttClientPublishResult> PublishAlertAsync(this IMqttClient client, Alert alert) =>
        client.PublishAsync($"edge/{alert.SiteId}/{alert.DeviceId}/alert", AlertCbor.Encode(alert));

    public static async Task<T> GetJsonAsync<T>(this HttpClient http, string path)
    {
        var response = await http.GetAsync(path);
        response.EnsureSuccessStatusCode();
        return (await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<T>(response.Content))!;
    }

    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out after {timeout.TotalSeconds} s waiting for {what}");
            }

            await Task.Delay(50);
        }
    }
}
