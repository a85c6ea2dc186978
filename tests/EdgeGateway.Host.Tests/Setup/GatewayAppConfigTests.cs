using EdgeGateway.Host.Gateway;
using Microsoft.Extensions.Configuration;

namespace EdgeGateway.Host.Tests.Setup;

/// <summary>`run` sees exactly what the one loader read, as every other verb does.</summary>
[Trait("Category", "Unit")]
public sealed class GatewayAppConfigTests
{
    [Fact]
    public async Task The_service_ignores_unprefixed_environment_variables_that_the_loader_does_not_read()
    {
        // A key no test uses, so setting it in this process disturbs nothing else.
        Environment.SetEnvironmentVariable("EdgegwUnreadProbe__Key", "leaked");
        try
        {
            var settings = new ConfigurationBuilder()
                .AddInMemoryCollection(new Dictionary<string, string?> { ["Device:Id"] = "box-1", ["Device:Site"] = "site-1", ["Diagnostics:Url"] = "http://127.0.0.1:0" })
                .Build();

            await using var app = GatewayApp.Build(settings);

            Assert.Equal("box-1", app.Configuration["Device:Id"]);
            Assert.Null(app.Configuration["EdgegwUnreadProbe:Key"]);
        }
        finally
        {
            Environment.SetEnvironmentVariable("EdgegwUnreadProbe__Key", null);
        }
    }
}
