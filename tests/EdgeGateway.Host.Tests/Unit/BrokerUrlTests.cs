using CloudRelay.Hosting;
using CloudRelay.Settings;
using EdgeGateway.Contracts;
using EdgeGateway.Host.Setup;
using Microsoft.Extensions.Configuration;

namespace EdgeGateway.Host.Tests.Unit;

/// <summary>
/// One owner for broker URLs: the box's run, its installer and the relay accept the same schemes and refuse a bad
/// URL with the same words.
/// </summary>
[Trait("Category", "Unit")]
public sealed class BrokerUrlTests
{
    [Theory]
    [InlineData("mqtt://broker:1883")]
    [InlineData("tcp://broker")]
    [InlineData("mqtts://broker:8883")]
    [InlineData("ssl://broker")]
    [InlineData("tls://broker:9000")]
    public void Every_scheme_the_box_runs_with_is_taken_by_the_installer_and_the_relay(string url)
    {
        Assert.Empty(RunLines(url));
        Assert.Null(GatewaySettingsValidator.Broker(url, required: true));
        Assert.Empty(RelayLines(url));
    }

    [Theory]
    [InlineData("http://broker:1883", "scheme 'http' is not supported")]
    [InlineData("broker:1883", "expected mqtt://")]
    [InlineData("mqtts://", "expected mqtt://")]
    [InlineData("mqtts://broker:8883/edge", "a path in the URL is not allowed")]
    [InlineData("mqtt://user:secret@broker", "a user name in the URL is not allowed")]
    public void A_bad_url_gets_the_same_line_from_run_the_installer_and_the_relay(string url, string reason)
    {
        var run = Assert.Single(RunLines(url));
        var installer = GatewaySettingsValidator.Broker(url, required: true);
        var relay = RelayLines(url);

        var words = run[(run.IndexOf("': ", StringComparison.Ordinal) + 3)..];
        Assert.Contains(reason, words, StringComparison.Ordinal);
        Assert.Contains("expected mqtt://host[:port] or mqtts://host[:port]", words, StringComparison.Ordinal);
        Assert.Equal(words, installer);
        Assert.Equal([$"Relay:Mqtt:Broker = '{Shown(url)}': {words}", $"Relay:Mqtt:PublicBroker = '{Shown(url)}': {words}"], relay);
        Assert.Equal($"Uplink:Broker = '{Shown(url)}': {words}", run);
        Assert.DoesNotContain("secret", run, StringComparison.Ordinal);
    }

    [Fact]
    public void Aliases_mean_what_other_mqtt_clients_mean()
    {
        Assert.True(BrokerAddress.TryParse("ssl://relay.example.com", out var ssl, out _));
        Assert.Equal(new BrokerAddress("relay.example.com", 8883, Tls: true), ssl);
        Assert.True(BrokerAddress.TryParse("tcp://10.0.0.5", out var tcp, out _));
        Assert.Equal("mqtt://10.0.0.5:1883", tcp.ToString());
    }

    private static string Shown(string url) => url.Replace("user:secret@", "***@", StringComparison.Ordinal);

    private static List<string> RunLines(string url)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Device:Id"] = "lift-1",
            ["Device:Site"] = "site-1",
            ["Storage:DataDir"] = Path.Combine(Path.GetTempPath(), "edgegw-broker-url-test"),
            ["Uplink:Broker"] = url,
        }).Build();
        return [.. StartupValidation.Problems(configuration).Where(l => l.StartsWith("Uplink:Broker", StringComparison.Ordinal))];
    }

    private static List<string> RelayLines(string url)
    {
        var result = new RelayOptionsValidator().Validate(null, new RelayOptions { Mqtt = new RelayMqttOptions { Broker = url, PublicBroker = url } });
        return [.. (result.Failures ?? []).Where(l => l.Contains("Broker", StringComparison.Ordinal))];
    }
}
