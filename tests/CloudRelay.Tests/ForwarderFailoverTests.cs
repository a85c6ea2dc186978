using System.Collections.Concurrent;
using EdgeGateway.Testing;

namespace CloudRelay.Tests;

/// <summary>Two relay instances on one PostgreSQL database, both configured with the webhook.</summary>
[Trait("Category", "Integration")]
public sealed class ForwarderFailoverTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private const string Secret = "shared-webhook-secret-for-both-instances";

    [Fact]
    public async Task Alerts_ingested_by_either_instance_are_forwarded_once_by_one_and_the_other_takes_over_when_it_stops()
    {
        var database = await postgres.NewDatabaseAsync();
        var port = FreePort.Next();
        var received = new ConcurrentQueue<(string Device, Guid Id, bool SignatureOk)>();
        await using var platform = await WebhookForwardingTests.StartPlatformAsync(port, WebhookForwardingTests.Recording(received, Secret));
        var settings = new Dictionary<string, string?> { ["Webhook:Secret"] = Secret };
        var webhook = $"http://127.0.0.1:{port}/alerts";
        var first = await RelayTestHost.StartAsync(database, webhook, settings);
        await using var second = await RelayTestHost.StartAsync(database, webhook, settings);
        var sent = new Dictionary<string, List<Guid>>();

        async Task SendAsync(RelayTestHost relay, string device, int count)
        {
            var credentials = await relay.AddDeviceAsync("site-1", device);
            var client = await relay.ConnectAsync(credentials);
            sent[device] = [];
            for (var i = 0; i < count; i++)
            {
                var alert = TestAlerts.Make("site-1", device);
                await client.PublishAlertAsync(alert);
                sent[device].Add(alert.Id);
            }
        }

        await SendAsync(first, "box-a", 20);
        await SendAsync(second, "box-b", 20);
        // The platform may see an alert a moment before the forwarder counts it: wait for both.
        await TestAlerts.WaitUntilAsync(() => Task.FromResult(received.Count >= 40 && first.Counters.Forwarded + second.Counters.Forwarded >= 40),
            TimeSpan.FromSeconds(20), "40 alerts at the platform");

        // One instance forwards everything, including what the other ingested.
        Assert.Equal(40, first.Counters.Forwarded + second.Counters.Forwarded);
        Assert.True(first.Counters.Forwarded == 0 || second.Counters.Forwarded == 0,
            $"both forwarded: {first.Counters.Forwarded} and {second.Counters.Forwarded}");

        // The forwarding instance stops; alerts keep coming in through the other, which takes over.
        var (stopping, staying) = first.Counters.Forwarded > 0 ? (first, second) : (second, first);
        await stopping.DisposeAsync();
        await SendAsync(staying, "box-c", 20);
        await TestAlerts.WaitUntilAsync(() => Task.FromResult(received.Count >= 60), TimeSpan.FromSeconds(30), "60 alerts at the platform");
        if (!ReferenceEquals(first, staying))
        {
            await first.DisposeAsync();
        }

        var all = received.ToArray();
        Assert.Equal(60, all.Length);
        Assert.Equal(60, all.Select(r => r.Id).Distinct().Count());
        Assert.All(all, r => Assert.True(r.SignatureOk));
        foreach (var (device, ids) in sent)
        {
            Assert.Equal(ids, all.Where(r => r.Device == device).Select(r => r.Id));
        }
    }
}
