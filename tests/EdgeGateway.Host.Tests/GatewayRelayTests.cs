using System.Collections.Concurrent;
using CloudRelay.Hosting;
using EdgeGateway.Core.Alerts;
using EdgeGateway.Core.Ports;
using EdgeGateway.Host.Gateway;
using EdgeGateway.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.Host.Tests;

/// <summary>The gateway's real uplink (outbox on disk, MQTTnet bridge) into the relay's embedded broker.</summary>
[Trait("Category", "Integration")]
public sealed class GatewayRelayTests : IAsyncDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("gw-relay-").FullName;

    [Theory]
    [InlineData("cbor")]
    [InlineData("json")]
    public async Task Every_alert_the_gateway_publishes_is_stored_once_by_the_relay(string encoding)
    {
        const int count = 500;
        var port = FreePort.Next();
        await using var relay = await StartRelayAsync(port);
        var credentials = await relay.RegisterDeviceAsync("site-7", "gw-7");
        var stored = new ConcurrentDictionary<Guid, Alert>();
        var allStored = new TaskCompletionSource();
        relay.AlertFeed().AlertStored += (_, alert) =>
        {
            stored[alert.Alert.Id] = alert.Alert;
            if (stored.Count == count)
            {
                allStored.TrySetResult();
            }
        };

        await using var gateway = GatewayApp.Build(Settings(port, credentials.Username, credentials.Password, encoding));
        await gateway.StartAsync();
        var sink = gateway.Services.GetRequiredService<IAlertSink>();
        var published = new List<Alert>();
        for (var i = 0; i < count; i++)
        {
            published.Add(await sink.PublishAsync(new AlertDraft(AlertKinds.Test, AlertSeverity.Info, AlertState.Raised,
                new Dictionary<string, string> { ["n"] = i.ToString(System.Globalization.CultureInfo.InvariantCulture) })));
        }

        await allStored.Task.WaitAsync(TimeSpan.FromSeconds(60));
        await gateway.StopAsync();

        Assert.Equal(count, stored.Count);
        foreach (var alert in published)
        {
            Assert.Equal(alert, stored[alert.Id]);
        }

        Assert.Equal(0, relay.Counters().Duplicates);
    }

    [Fact]
    public async Task A_gateway_with_a_wrong_token_delivers_nothing_and_loses_nothing()
    {
        var port = FreePort.Next();
        await using var relay = await StartRelayAsync(port);
        var credentials = await relay.RegisterDeviceAsync("site-7", "gw-7");
        var storedCount = 0;
        relay.AlertFeed().AlertStored += (_, _) => Interlocked.Increment(ref storedCount);

        await using (var wrong = GatewayApp.Build(Settings(port, credentials.Username, "not-the-token", "cbor")))
        {
            await wrong.StartAsync();
            await wrong.Services.GetRequiredService<IAlertSink>().PublishAsync(new AlertDraft(AlertKinds.Trapped, AlertSeverity.Critical, AlertState.Raised));
            await Task.Delay(TimeSpan.FromSeconds(2));
            await wrong.StopAsync();
        }

        Assert.Equal(0, Volatile.Read(ref storedCount));

        // The same data folder with the right token: the alarm queued earlier still arrives.
        var arrived = new TaskCompletionSource<Alert>();
        relay.AlertFeed().AlertStored += (_, alert) => arrived.TrySetResult(alert.Alert);
        await using var right = GatewayApp.Build(Settings(port, credentials.Username, credentials.Password, "cbor"));
        await right.StartAsync();
        var alert = await arrived.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await right.StopAsync();

        Assert.Equal(AlertKinds.Trapped, alert.Kind);
    }

    private IConfiguration Settings(int port, string username, string password, string encoding) =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Device:Id"] = "gw-7",
            ["Device:Site"] = "site-7",
            ["Uplink:Broker"] = $"mqtt://127.0.0.1:{port}",
            ["Uplink:Username"] = username,
            ["Uplink:Password"] = password,
            ["Uplink:Encoding"] = encoding,
            ["Storage:DataDir"] = Path.Combine(_work, "gateway"),
            ["Diagnostics:Url"] = "http://127.0.0.1:0",
        }).Build();

    /// <summary>The relay with its embedded broker and SQLite, as `cloud-relay run` starts it.</summary>
    private async Task<WebApplication> StartRelayAsync(int mqttPort)
    {
        var relay = RelayHost.Build(new RelayStartOptions
        {
            MqttPort = mqttPort,
            MqttBindAddress = "127.0.0.1",
            AllowPlaintext = true,
            HttpUrl = "http://127.0.0.1:0",
            DataDir = Path.Combine(_work, "relay"),
            LogLevel = LogLevel.Warning,
        });
        await relay.StartAsync();
        return relay;
    }

    public ValueTask DisposeAsync()
    {
        Directory.Delete(_work, recursive: true);
        return ValueTask.CompletedTask;
    }
}
