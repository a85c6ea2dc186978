using EdgeGateway.Host.Diagnostics;
using Microsoft.AspNetCore.Builder;

namespace EdgeGateway.Host.Tests.Diagnostics;

/// <summary>
/// The smallest gateway web app: what `edgegw run` does for the page, and nothing else. It is this
/// test assembly's entry point so that <c>WebApplicationFactory</c> can start it.
/// </summary>
public sealed class DiagnosticsTestHost
{
    public static void Main(string[] args)
    {
        var app = Build(args);
        app.Run();
    }

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Services.AddDiagnostics(builder.Configuration);
        configure?.Invoke(builder);
        var app = builder.Build();
        app.MapDiagnostics();
        return app;
    }
}
