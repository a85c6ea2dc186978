using System.Diagnostics;
using EdgeGateway.Host.Gateway;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeGateway.Host.Tests.Browser;

/// <summary>The real gateway (`edgegw run`'s wiring) on a loopback port, for the browser to open.</summary>
public sealed class RunningGateway : IAsyncDisposable
{
    private static readonly TimeSpan StopLimit = TimeSpan.FromSeconds(15);
    private readonly WebApplication _app;

    private RunningGateway(WebApplication app, Uri address, string? certificate)
    {
        _app = app;
        Address = address;
        Certificate = certificate;
    }

    public Uri Address { get; }

    /// <summary>The page's own certificate, made at first start in the data folder (null for a plain loopback page).</summary>
    public string? Certificate { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<RunningGateway> StartAsync(IDictionary<string, string?> settings, Action<WebApplicationBuilder>? customise = null)
    {
        // https, as on a box: the page makes its own certificate in Storage:DataDir at first start.
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>(settings)
        {
            ["Diagnostics:Url"] = settings.TryGetValue("Diagnostics:Url", out var url) && url is not null ? url : "https://127.0.0.1:0",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:EdgeGateway"] = "Information",
        }).Build();
        var app = GatewayApp.Build(configuration, customise);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var certificate = address.StartsWith("https:", StringComparison.Ordinal) && configuration["Storage:DataDir"] is { } dataDir
            ? Path.Combine(dataDir, "page-tls", "page.crt")
            : null;
        return new RunningGateway(app, new Uri(address), certificate);
    }

    public async ValueTask DisposeAsync()
    {
        // A gateway that hangs on shutdown is a defect a technician would meet on every restart,
        // so a slow stop fails the test instead of being waited out.
        var stopping = Stopwatch.StartNew();
        try
        {
            await _app.StopAsync(CancellationToken.None).WaitAsync(StopLimit);
            await _app.DisposeAsync().AsTask().WaitAsync(StopLimit);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"the gateway did not stop within {StopLimit.TotalSeconds} s ({stopping.Elapsed.TotalSeconds:F1} s so far)");
        }
    }
}
