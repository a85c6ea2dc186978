using EdgeGateway.Host.Diagnostics;
using EdgeGateway.Supervision;

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
        builder.Configuration.AddConfiguration(settings);
        builder.Services.AddSystemd();
        builder.Services.AddGateway(builder.Configuration);
        builder.Services.AddSupervision<GatewayHealth>();
        customise?.Invoke(builder);

        var app = builder.Build();
        app.MapDiagnostics();
        return app;
    }
}
