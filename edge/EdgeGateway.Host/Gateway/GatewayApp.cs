using EdgeGateway.Host.Diagnostics;
using EdgeGateway.Supervision;
using EdgeGateway.Vision.Native;

namespace EdgeGateway.Host.Gateway;

/// <summary>
/// Hosts the gateway service: a web application around the composition root
/// (<see cref="GatewayServiceCollectionExtensions.AddGateway"/>) with the diagnostics page mapped.
/// </summary>
internal static class GatewayApp
{
    public static WebApplication Build(IConfiguration settings, Action<WebApplicationBuilder>? customise = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ContentRootPath = AppContext.BaseDirectory,
        });
        // Only what the one loader read: the slim builder's own sources (appsettings.json beside the
        // binary, unprefixed environment variables) would give `run` settings that other verbs never see.
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddConfiguration(settings);
        builder.Services.AddSystemd();
        if (builder.Configuration.GetSection("Cameras").GetChildren().Any())
        {
            // Before anything starts, so the one line naming the package is all that is printed.
            NativeVision.EnsureAvailable();
        }

        builder.Services.AddGateway(builder.Configuration);
        builder.Services.AddSupervision<GatewayHealth>();
        customise?.Invoke(builder);

        var app = builder.Build();
        app.MapDiagnostics();
        return app;
    }
}
