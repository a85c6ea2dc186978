using System.Net.Http.Json;
using CloudRelay.Api;
using CloudRelay.Ingest;
using Microsoft.Extensions.DependencyInjection;
using EdgeGateway.Testing;
using MQTTnet;
using MQTTnet.Formatter;

namespace CloudRelay.Tests;

[Trait("Category", "Integration")]
public sealed class ExternalBrokerTests
{
    private const string Subscribed = "in shared group cloud-relay";

    [Fact]
    public async Task Two_relays_on_one_shared_subscription_store_every_alert_once_even_when_one_is_killed_mid_stream()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        var dataDir = Directory.CreateTempSubdirectory("relay-shared-").FullName;
        var apiKey = Guid.NewGuid().ToString("N");
        string[] Arguments(string instance) => ["--broker", broker.Url, "--instance", instance, "--data-dir", dataDir];
        var a = RelayProcess.Start(apiKey, Arguments("a"));
        await using var b = RelayProcess.Start(apiKey, Arguments("b"));
        RelayProcess? restarted = null;
        try
        {
            await a.WaitForOutputAsync(Subscribed, TimeSpan.FromSeconds(30));
            await b.WaitForOutputAsync(Subscribed, TimeSpan.FromSeconds(30));

            var publishers = new List<(IMqttClient Client, string Device)>();
            for (var d = 0; d < 8; d++)
            {
                // The relay stores only what its registered devices send; both instances share the registry.
                (await a.Http.PostAsJsonAsync("/api/devices", new { site = "site-1", device = $"box-{d}" })).EnsureSuccessStatusCode();
                var client = new MqttClientFactory().CreateMqttClient();
                await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", broker.Port)
                    .WithProtocolVersion(MqttProtocolVersion.V500).WithClientId($"edge-{d}").Build());
                publishers.Add((client, $"box-{d}"));
            }

            var sent = new System.Collections.Concurrent.ConcurrentBag<Guid>();
            var acknowledged = 0;
            var killAt = int.MaxValue;
            var acknowledgedAtKill = -1;
            async Task PublishRoundAsync(int perDevice) =>
                await Task.WhenAll(publishers.Select(async p =>
                {
                    for (var i = 0; i < perDevice; i++)
                    {
                        var alert = TestAlerts.Make("site-1", p.Device);
                        sent.Add(alert.Id);
                        var result = await p.Client.PublishAlertAsync(alert);
                        Assert.True(result.IsSuccess);
                        var count = Interlocked.Increment(ref acknowledged);
                        if (count == Volatile.Read(ref killAt))
                        {
                            // Killed from inside the stream, so the rest of the round is still to come.
                            acknowledgedAtKill = count;
                            a.Kill();
                        }
                    }
                }));

            await PublishRoundAsync(150);
            await TestAlerts.WaitUntilAsync(async () => (await a.Http.GetJsonAsync<StatsView>("/api/stats")).Ingest.Stored > 0,
                TimeSpan.FromSeconds(20), "instance a to store something");
            var storedByA = (await a.Http.GetJsonAsync<StatsView>("/api/stats")).Ingest.Stored;

            // Kill a in the middle of the stream, keep publishing, then bring it back under the same name.
            var beforeRound = Volatile.Read(ref acknowledged);
            Volatile.Write(ref killAt, beforeRound + 100);
            await PublishRoundAsync(150);
            // a died with 1,100 of the round's 1,200 alerts still to be sent.
            Assert.Equal(beforeRound + 100, acknowledgedAtKill);
            await PublishRoundAsync(50);
            restarted = RelayProcess.Start(apiKey, Arguments("a"));
            await restarted.WaitForOutputAsync(Subscribed, TimeSpan.FromSeconds(30));

            const int total = 8 * (150 + 150 + 50);
            await TestAlerts.WaitUntilAsync(async () => (await b.Http.GetJsonAsync<StatsView>("/api/stats")).Storage.Alerts >= total,
                TimeSpan.FromSeconds(60), $"{total} alerts stored");
            var statsB = await b.Http.GetJsonAsync<StatsView>("/api/stats");
            var stored = await ReadAllAlertIdsAsync(b.Http);

            Assert.Equal(total, sent.Count);
            Assert.Equal(total, statsB.Storage.Alerts);
            Assert.Equal(total, stored.Count);
            Assert.Equal(sent.OrderBy(id => id), stored.OrderBy(id => id));
            Assert.True(storedByA > 0, "instance a took part");
            Assert.True(statsB.Ingest.Stored > 0, "instance b took part");
            Assert.DoesNotContain(apiKey, a.Output + b.Output + restarted.Output, StringComparison.Ordinal);
            // The broker kept the killed instance's session, so what it had not acknowledged came back to it.
            Assert.Contains("session present: True", restarted.Output, StringComparison.Ordinal);
            foreach (var (client, _) in publishers)
            {
                await client.DisconnectAsync(new MqttClientDisconnectOptions());
                client.Dispose();
            }
        }
        finally
        {
            await a.DisposeAsync();
            if (restarted is not null)
            {
                await restarted.DisposeAsync();
            }

            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(dataDir, recursive: true);
        }
    }

    /// <summary>Every stored alert's id, page by page, so a duplicate or a gap anywhere shows.</summary>
    private static async Task<List<Guid>> ReadAllAlertIdsAsync(HttpClient http)
    {
        var ids = new List<Guid>();
        string? next = null;
        do
        {
            var page = await http.GetJsonAsync<AlertPageView>($"/api/alerts?limit=1000{(next is null ? "" : $"&after={next}")}");
            ids.AddRange(page.Items.Select(item => item.Id));
            next = page.Items.Count == 0 ? null : page.Next;
        }
        while (next is not null);

        return ids;
    }

    [Fact]
    public async Task External_mode_rejects_a_payload_that_claims_another_device()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await using var relay = await StartSubscribedAsync(broker);
        using var client = await ConnectAsync(broker, "box-1-client");

        var good = TestAlerts.Make("site-1", "box-1");
        await client.PublishAsync("edge/site-1/box-1/alert", AlertCbor.Encode(TestAlerts.Make("site-1", "box-2")));
        await client.PublishAsync("edge/site-1/box-1/alert", [1, 2, 3]);
        await client.PublishAlertAsync(good);
        await TestAlerts.WaitUntilAsync(() => Task.FromResult(relay.Counters.Stored + relay.Counters.Rejected >= 3), TimeSpan.FromSeconds(20), "three messages handled");

        Assert.Equal(1, await relay.Store.CountAlertsAsync(CancellationToken.None));
        Assert.NotNull(await relay.Store.FindAlertAsync(good.Id, CancellationToken.None));
        Assert.Equal(2, relay.Counters.Rejected);
    }

    [Fact]
    public async Task External_mode_refuses_and_counts_alerts_from_a_device_the_relay_never_registered()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await using var relay = await StartSubscribedAsync(broker);
        var subscriber = relay.App.Services.GetRequiredService<SharedSubscriber>();
        // The broker lets anyone publish anywhere, as a broker whose ACL is too wide would.
        using var stranger = await ConnectAsync(broker, "stranger");
        using var box = await ConnectAsync(broker, "edgegw-site-1-box-1");

        var ghosts = Enumerable.Range(0, 5).Select(i => TestAlerts.Make("site-1", $"ghost-{i}")).ToList();
        foreach (var ghost in ghosts)
        {
            await stranger.PublishAlertAsync(ghost);
        }

        await stranger.PublishAsync("edge/site-1/ghost-0/snapshot/" + ghosts[0].Id.ToString("D"), [0xFF, 0xD8, 0xFF, 0xD9]);
        var real = TestAlerts.Make("site-1", "box-1");
        await box.PublishAlertAsync(real);
        await TestAlerts.WaitUntilAsync(() => Task.FromResult(subscriber.Handled >= 7), TimeSpan.FromSeconds(20), "seven messages handled");

        Assert.Equal(1, await relay.Store.CountAlertsAsync(CancellationToken.None));
        Assert.NotNull(await relay.Store.FindAlertAsync(real.Id, CancellationToken.None));
        foreach (var ghost in ghosts)
        {
            Assert.Null(await relay.Store.FindAlertAsync(ghost.Id, CancellationToken.None));
        }

        Assert.Equal(6, relay.Counters.RejectsByReason.GetValueOrDefault(SharedSubscriber.UnknownDevice));
        Assert.False(Directory.Exists(Path.Combine(relay.DataDir, "snapshots", "site-1", "ghost-0")));
        Assert.DoesNotContain(await relay.Store.ListDevicesAsync(CancellationToken.None), d => d.Device.StartsWith("ghost-", StringComparison.Ordinal));
    }

    /// <summary>A relay in external mode on <paramref name="broker"/>, subscribed, with device site-1/box-1 registered.</summary>
    private static async Task<RelayTestHost> StartSubscribedAsync(MosquittoBroker broker)
    {
        var relay = await RelayTestHost.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Mqtt:Broker"] = broker.Url,
            ["Mqtt:InstanceId"] = "solo",
        });
        try
        {
            var subscriber = relay.App.Services.GetRequiredService<SharedSubscriber>();
            await TestAlerts.WaitUntilAsync(() => Task.FromResult(subscriber.IsSubscribed), TimeSpan.FromSeconds(20), "the relay to subscribe");
            await relay.AddDeviceAsync("site-1", "box-1");
            return relay;
        }
        catch
        {
            await relay.DisposeAsync();
            throw;
        }
    }

    private static async Task<IMqttClient> ConnectAsync(MosquittoBroker broker, string clientId)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", broker.Port)
            .WithProtocolVersion(MqttProtocolVersion.V500).WithClientId(clientId).Build());
        return client;
    }
}
