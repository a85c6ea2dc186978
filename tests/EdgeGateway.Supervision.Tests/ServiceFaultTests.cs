using EdgeGateway.Supervision.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.Supervision.Tests;

[Trait("Category", "Unit")]
public sealed class ServiceFaultTests
{
    [Fact]
    public async Task A_background_service_that_throws_stops_the_host_normally_and_is_found_afterwards()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.ClearProviders();
        builder.Services.AddHostedService<Steady>();
        builder.Services.AddHostedService<Failing>();
        using var app = builder.Build();

        // The host stops by itself, without an exception, as after a clean stop; only the service's task tells.
        var fault = await ServiceFault.RunAsync(app).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.NotNull(fault);
        Assert.Equal("Failing", fault.Service);
        Assert.Equal("edgegw: Failing failed: UnauthorizedAccessException: i2c-1 read refused; exiting with code 70", fault.Describe("edgegw"));
    }

    [Fact]
    public async Task A_clean_stop_is_no_fault()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddHostedService<Steady>();
        using var app = builder.Build();
        await app.StartAsync();
        await app.StopAsync();
        Assert.Null(ServiceFault.Find(app.Services));
    }

    private sealed class Steady : BackgroundService
    {
        protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.Delay(Timeout.Infinite, stoppingToken);
    }

    private sealed class Failing : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            await Task.Yield();
            throw new UnauthorizedAccessException("i2c-1 read refused");
        }
    }
}
