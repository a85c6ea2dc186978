using EdgeGateway.Uplink.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using EdgeGateway.Core.Configuration;

namespace EdgeGateway.Uplink.Tests;

/// <summary>The box refuses, at start, exactly the site and device names the relay would refuse.</summary>
[Trait("Category", "Unit")]
public sealed class DeviceNameValidationTests
{
    [Theory]
    [InlineData("box@1")]
    [InlineData("a:b")]
    [InlineData("..")]
    [InlineData("kitchen 42")]
    public void A_name_outside_the_wire_contract_is_one_line_naming_the_key_and_the_value(string id)
    {
        Assert.False(DeviceNames.IsValid(id));
        var error = Assert.Throws<OptionsValidationException>(() => Resolve(id, "site-1"));
        Assert.Equal($"Device:Id = '{id}': {DeviceNames.Expected}", Assert.Single(error.Failures));
    }

    [Theory]
    [InlineData("Kitchen.0042")]
    [InlineData("b")]
    [InlineData("elevator_7-east")]
    public void A_name_the_relay_takes_is_taken(string id)
    {
        Assert.True(DeviceNames.IsValid(id));
        Assert.Equal(id, Resolve(id, "site-1").Id);
    }

    private static DeviceOptions Resolve(string id, string site)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Device:Id"] = id, ["Device:Site"] = site })
            .Build();
        using var services = new ServiceCollection().AddLogging().AddEdgeOutbox(configuration).BuildServiceProvider();
        return services.GetRequiredService<IOptions<DeviceOptions>>().Value;
    }
}
