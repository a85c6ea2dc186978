using EdgeGateway.Core;
using EdgeGateway.Core.Configuration;
using EdgeGateway.Host.Diagnostics;
using EdgeGateway.Host.Gateway;
using EdgeGateway.Host.Setup;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Host.Tests.Unit;

/// <summary>One owner for the data folder: an unset <c>Storage:DataDir</c> means the same folder to every part of the box.</summary>
[Trait("Category", "Unit")]
public sealed class DataFolderTests
{
    private static IConfiguration Configuration(string? dataDir)
    {
        var settings = new Dictionary<string, string?> { ["Device:Id"] = "lift-1", ["Device:Site"] = "site-1" };
        if (dataDir is not null)
        {
            settings[StorageOptions.DataDirKey] = dataDir;
        }

        return new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
    }

    [Theory]
    [InlineData(null, GatewayPaths.DefaultDataDir)]
    [InlineData("/srv/edgegw-test", "/srv/edgegw-test")]
    public void The_outbox_the_page_and_the_elevator_read_one_data_folder(string? configured, string expected)
    {
        var configuration = Configuration(configured);
        using var services = GatewayServiceCollectionExtensions.BuildGatewayServices(configuration, console: false);

        Assert.Equal(expected, services.GetRequiredService<IOptions<StorageOptions>>().Value.DataDir);
        Assert.Equal(expected, services.GetRequiredService<IOptions<DiagnosticsOptions>>().Value.DataDir);
        Assert.Equal(expected, StorageOptions.DataDirIn(configuration));
    }

    [Fact]
    public void Run_on_the_default_https_page_makes_its_certificate_in_the_default_data_folder()
    {
        var lines = StartupValidation.Problems(Configuration(dataDir: null));

        Assert.DoesNotContain(lines, l => l.StartsWith("Diagnostics:CertificatePath", StringComparison.Ordinal));
        using var services = GatewayServiceCollectionExtensions.BuildGatewayServices(Configuration(dataDir: null), console: false);
        var page = services.GetRequiredService<IOptions<DiagnosticsOptions>>().Value;
        Assert.Equal(DiagnosticsOptions.DefaultUrl, page.Url);
        Assert.StartsWith(Path.Combine(GatewayPaths.DefaultDataDir, "page-tls"), page.CertificateFiles!.Certificate, StringComparison.Ordinal);
    }
}
