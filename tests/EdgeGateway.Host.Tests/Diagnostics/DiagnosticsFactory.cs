using System.Net.Http.Json;
using EdgeGateway.Core.Alerts;
using EdgeGateway.Core.Health;
using EdgeGateway.Core.Publishing;
using EdgeGateway.Host.Diagnostics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeGateway.Host.Tests.Diagnostics;

/// <summary>The page in a test server, with a real password hash and the gateway's parts stubbed.</summary>
public sealed class DiagnosticsFactory : WebApplicationFactory<DiagnosticsTestHost>
{
    public const string Password = "kitchen-tech-2026";

    /// <summary>Hashed once: it costs a real PBKDF2 run.</summary>
    public static readonly string PasswordHash = TechnicianPassword.Hash(Password);

    public StubCameraMonitor Cameras { get; } = new();

    public StubElevatorMonitor Elevator { get; } = new();

    public MemoryOutbox Outbox { get; } = new();

    public AlertPublisher Publisher { get; }

    public bool WithParts { get; init; } = true;

    public string? ConfiguredHash { get; init; } = PasswordHash;

    public int LoginAttemptsPerMinute { get; init; } = 5;

    /// <summary>The page's clock; null for the system's.</summary>
    public TimeProvider? Time { get; init; }

    /// <summary>Extra settings, e.g. Diagnostics:SessionLifetime.</summary>
    public Dictionary<string, string> Settings { get; } = new(StringComparer.Ordinal);

    public DiagnosticsFactory()
    {
        Publisher = TestPublisher.Create(Outbox);
        // The page is https by default; the test server sees the scheme of the client's address.
        ClientOptions.BaseAddress = new Uri("https://localhost");
    }

    /// <summary>
    /// The box's data folder (session keys and live sessions; the page's own certificate when it runs on Kestrel).
    /// Give another server's to start the same box again.
    /// </summary>
    public string DataDir
    {
        get => _dataDir ??= Directory.CreateTempSubdirectory("edgegw-page-api-").FullName;
        init
        {
            _dataDir = value;
            _borrowedDataDir = true;
        }
    }

    private string? _dataDir;

    /// <summary>Another server's folder stays: that box only restarted.</summary>
    private bool _borrowedDataDir;

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && !_borrowedDataDir && _dataDir is not null)
        {
            try
            {
                Directory.Delete(DataDir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseContentRoot(AppContext.BaseDirectory);
        builder.UseSetting("Device:Id", "kitchen-0042");
        builder.UseSetting("Device:Site", "xuhui-0193");
        builder.UseSetting("Storage:DataDir", DataDir);
        builder.UseSetting("Diagnostics:PasswordHash", ConfiguredHash ?? string.Empty);
        builder.UseSetting("Diagnostics:LoginAttemptsPerMinute", LoginAttemptsPerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Diagnostics:PushInterval", "00:00:00.2");
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureTestServices(services =>
        {
            if (Time is { } time)
            {
                services.AddSingleton(time);
            }

            if (WithParts)
            {
                services.AddSingleton<ICameraMonitor>(Cameras);
                services.AddSingleton<IElevatorMonitor>(Elevator);
                services.AddSingleton<IUplinkMonitor>(new StubUplinkMonitor());
                services.AddSingleton(Publisher);
                services.AddSingleton<IAlertSink>(Publisher);
            }
        });
    }

    /// <summary>A browser-like client: keeps cookies, fetches the CSRF token like the page does.</summary>
    public async Task<TechnicianClient> LoggedInAsync()
    {
        var client = new TechnicianClient(CreateClient());
        using var response = await client.LoginAsync(Password);
        response.EnsureSuccessStatusCode();
        return client;
    }
}

public sealed class TechnicianClient(HttpClient http) : IDisposable
{
    public HttpClient Http { get; } = http;

    public async Task<string> CsrfTokenAsync()
    {
        var view = await Http.GetFromJsonAsync<CsrfView>("/api/csrf");
        return view!.Token;
    }

    public async Task<HttpResponseMessage> LoginAsync(string password)
    {
        var token = await CsrfTokenAsync();
        return await PostAsync("/api/login", new { password }, token);
    }

    /// <summary>A POST the way the page sends it: JSON body and the token header.</summary>
    public async Task<HttpResponseMessage> PostAsync(string path, object? body = null, string? token = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body ?? new { }) };
        request.Headers.Add("X-CSRF-TOKEN", token ?? await CsrfTokenAsync());
        return await Http.SendAsync(request);
    }

    public void Dispose() => Http.Dispose();
}
