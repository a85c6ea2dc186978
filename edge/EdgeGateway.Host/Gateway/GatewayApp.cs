using EdgeGateway.Core.Alerts;
using EdgeGateway.Core.Elevator;
using EdgeGateway.Elevator;
using EdgeGateway.Host.Diagnostics;
using EdgeGateway.Host.Elevator;
using EdgeGateway.Uplink;
using EdgeGateway.Vision;
using EdgeGateway.Vision.Native;

namespace EdgeGateway.Host.Gateway;

/// <summary>
/// Builds the gateway service: the one place where vision, elevator, uplink and the diagnostics
/// page are wired together. A kitchen box configures cameras; an elevator box configures the
/// elevator (and perhaps a car camera); both have an uplink.
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
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddEdgeUplink(builder.Configuration);

        if (builder.Configuration.GetSection("Cameras").GetChildren().Any())
        {
            // Before anything starts, so the one line naming the package is all that is printed.
            NativeVision.EnsureAvailable();
            builder.Services.AddEdgeVision(builder.Configuration);
        }

        if (builder.Configuration.GetSection("Elevator").Exists())
        {
            builder.Services.AddSingleton<IElevatorStatusSink, OutboxElevatorStatusSink>();
            builder.Services.AddElevatorBoard(builder.Configuration);
            builder.Services.AddEdgeElevator(builder.Configuration);

            // An e-bike seen by the car camera holds the door and plays the warning, whatever raised it.
            builder.Services.AddEbikeResponder();
        }

        // The page binds Kestrel to Diagnostics:Url itself.
        builder.Services.AddDiagnostics(builder.Configuration);
        customise?.Invoke(builder);

        var app = builder.Build();
        app.MapDiagnostics();
        return app;
    }
}
