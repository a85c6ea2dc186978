using CloudRelay.Api;
using CloudRelay.Hosting;
using CloudRelay.Ingest;
using CloudRelay.Database;
using MQTTnet;
using MQTTnet.Protocol;

namespace CloudRelay.Tests;

[Trait("Category", "Integration")]
public sealed class EmbeddedIngestTests
{
    [Fact]
    public async Task A_puback_means_the_alert_is_already_stored_and_the_host_sees_it()
    {
        await using var relay = await RelayTestHost.StartAsync();
        var credentials = await relay.AddDeviceAsync("site-1", "box-1");
        var seen = new List<Alert>();
        relay.App.AlertFeed().AlertStored += (_, stored) =>
        {
            lock (seen)
            {
                seen.Add(stored.Alert);
            }
        };
        var client = await relay.ConnectAsync(credentials);

        for (var i = 0; i < 20; i++)
        {
            var alert = TestAlerts.Make("site-1", "box-1");
            var result = await client.PublishAlertAsync(alert);

            Assert.Equal(MqttClientPublishReasonCode.Success, result.ReasonCode);
            // No waiting: the PUBACK came back, so the row must be there now.
            var stored = await relay.Store.FindAlertAsync(alert.Id, CancellationToken.None);
            Assert.NotNull(stored);
            Assert.Equal(alert, stored.Alert);
        }

        Assert.Equal(20, await relay.Store.CountAlertsAsync(CancellationToken.None));
        lock (seen)
        {
            Assert.Equal(20, seen.Count);
        }
    }

    [Fact]
    public async Task A_redelivered_alert_is_acknowledged_stored_once_and_counted_as_duplicate()
    {
        await using var relay = await RelayTestHost.StartAsync();
        var client = await relay.ConnectAsync(await relay.AddDeviceAsync("site-1", "box-1"));
        var alert = TestAlerts.Make("site-1", "box-1");

        var first = await client.PublishAlertAsync(alert);
        var second = await client.PublishAlertAsync(alert);
        var asJson = await client.PublishAsync("edge/site-1/box-1/alert", AlertJson.Encode(alert));

        Assert.Equal(MqttClientPublishReasonCode.Success, first.ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.Success, second.ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.Success, asJson.ReasonCode);
        Assert.Equal(1, await relay.Store.CountAlertsAsync(CancellationToken.None));
        Assert.Equal(1, relay.Counters.Stored);
        Assert.Equal(2, relay.Counters.Duplicates);
    }

    [Fact]
    public async Task A_json_alert_is_stored_like_a_cbor_one()
    {
        await using var relay = await RelayTestHost.StartAsync();
        var client = await relay.ConnectAsync(await relay.AddDeviceAsync("site-1", "box-1"));
        var alert = TestAlerts.Make("site-1", "box-1", AlertKinds.Trapped);

        var result = await client.PublishAsync("edge/site-1/box-1/alert", AlertJson.Encode(alert));

        Assert.Equal(MqttClientPublishReasonCode.Success, result.ReasonCode);
        var stored = await relay.Store.FindAlertAsync(alert.Id, CancellationToken.None);
        Assert.Equal(alert, stored?.Alert);
    }

    [Fact]
    public async Task Bad_payloads_are_refused_and_counted_and_the_device_and_others_keep_going()
    {
        await using var relay = await RelayTestHost.StartAsync();
        var bad = await relay.ConnectAsync(await relay.AddDeviceAsync("site-1", "box-1"));
        var good = await relay.ConnectAsync(await relay.AddDeviceAsync("site-1", "box-2"));
        var valid = AlertCbor.Encode(TestAlerts.Make("site-1", "box-1"));
        var future = valid.ToArray();
        future[2] = 0x09; // key 0 (version) is the first pair: map header, 0x00, then the version value.
        var otherDevice = AlertCbor.Encode(TestAlerts.Make("site-1", "box-2"));

        var garbage = await bad.PublishAsync("edge/site-1/box-1/alert", [0xde, 0xad, 0xbe, 0xef]);
        var truncated = await bad.PublishAsync("edge/site-1/box-1/alert", valid[..(valid.Length / 2)]);
        // Over the alert's own limit, under the packet limit (a larger packet closes the connection: see HostileLimitTests).
        var oversized = await bad.PublishAsync("edge/site-1/box-1/alert", new byte[20 * 1024]);
        var newer = await bad.PublishAsync("edge/site-1/box-1/alert", future);
        var impostor = await bad.PublishAsync("edge/site-1/box-1/alert", otherDevice);
        var meanwhile = await good.PublishAlertAsync(TestAlerts.Make("site-1", "box-2"));
        var afterwards = await bad.PublishAlertAsync(TestAlerts.Make("site-1", "box-1"));

        Assert.Equal(MqttClientPublishReasonCode.PayloadFormatInvalid, garbage.ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.PayloadFormatInvalid, truncated.ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.PayloadFormatInvalid, oversized.ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.PayloadFormatInvalid, newer.ReasonCode);
        Assert.Contains("newer", newer.ReasonString, StringComparison.Ordinal);
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, impostor.ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.Success, meanwhile.ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.Success, afterwards.ReasonCode);
        Assert.True(bad.IsConnected);
        Assert.Equal(2, await relay.Store.CountAlertsAsync(CancellationToken.None));

        var rejects = relay.Counters.RejectsByReason;
        Assert.Equal(2, rejects[RejectReasons.Malformed]);
        Assert.Equal(1, rejects[RejectReasons.Oversized]);
        Assert.Equal(1, rejects[RejectReasons.FutureVersion]);
        Assert.Equal(1, rejects[RejectReasons.IdentityMismatch]);
        var stats = await relay.Http.GetJsonAsync<StatsView>("/api/stats");
        Assert.Equal(5, stats.Ingest.Rejected);
        Assert.Equal(2, stats.Ingest.Stored);
    }

    [Fact]
    public async Task A_device_may_not_publish_or_subscribe_under_another_device()
    {
        await using var relay = await RelayTestHost.StartAsync();
        await relay.AddDeviceAsync("site-1", "victim");
        var client = await relay.ConnectAsync(await relay.AddDeviceAsync("site-1", "box-1"));

        var forged = TestAlerts.Make("site-1", "victim");
        var asVictim = await client.PublishAlertAsync(forged);
        var otherSite = await client.PublishAsync("edge/site-2/box-1/alert", AlertCbor.Encode(TestAlerts.Make("site-2", "box-1")));
        var outside = await client.PublishAsync("platform/commands", [1]);
        var subscribe = await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter("edge/#").Build());
        var own = await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter("edge/site-1/box-1/cmd/#").Build());

        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, asVictim.ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, otherSite.ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, outside.ReasonCode);
        Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, subscribe.Items.Single().ResultCode);
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS0, own.Items.Single().ResultCode);
        Assert.Null(await relay.Store.FindAlertAsync(forged.Id, CancellationToken.None));
        Assert.Equal(0, await relay.Store.CountAlertsAsync(CancellationToken.None));
        Assert.Equal(3, relay.Counters.RejectsByReason[RejectReasons.NotAuthorized]);
    }

    [Fact]
    public async Task Wrong_token_unknown_device_and_no_credentials_are_refused_at_connect()
    {
        await using var relay = await RelayTestHost.StartAsync();
        var real = await relay.AddDeviceAsync("site-1", "box-1");

        var wrongToken = await Assert.ThrowsAnyAsync<Exception>(() => relay.ConnectAsync(real with { Password = "not-the-token" }));
        var unknown = await Assert.ThrowsAnyAsync<Exception>(() => relay.ConnectAsync(real with { Username = "site-1/nobody" }));
        var anonymous = await Assert.ThrowsAnyAsync<Exception>(() => relay.ConnectAsync(real with { Username = "", Password = "" }));
        var ok = await relay.ConnectAsync(real);

        Assert.Contains("BadUserNameOrPassword", wrongToken.Message, StringComparison.Ordinal);
        Assert.Contains("BadUserNameOrPassword", unknown.Message, StringComparison.Ordinal);
        Assert.Contains("NotAuthorized", anonymous.Message, StringComparison.Ordinal);
        Assert.True(ok.IsConnected);
        Assert.Equal(3, relay.Counters.AuthFailures);
    }

    [Fact]
    public async Task Birth_message_sets_online_and_the_last_will_sets_offline()
    {
        await using var relay = await RelayTestHost.StartAsync();
        var credentials = await relay.AddDeviceAsync("site-1", "box-1");
        var client = await relay.ConnectAsync(credentials, options => options
            .WithWillTopic("edge/site-1/box-1/state")
            .WithWillPayload("offline")
            .WithWillRetain(true)
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce));

        var birth = await client.PublishAsync("edge/site-1/box-1/state", "online"u8.ToArray(), retain: true);
        Assert.Equal(MqttClientPublishReasonCode.Success, birth.ReasonCode);
        var online = (await relay.Http.GetJsonAsync<List<DeviceView>>("/api/devices")).Single();
        // Drop the TCP connection without DISCONNECT, as a power cut would.
        client.Dispose();
        await TestAlerts.WaitUntilAsync(async () =>
            !(await relay.Http.GetJsonAsync<List<DeviceView>>("/api/devices")).Single().Online, TimeSpan.FromSeconds(10), "offline");
        var offline = (await relay.Http.GetJsonAsync<List<DeviceView>>("/api/devices")).Single();

        Assert.True(online.Online);
        Assert.NotNull(online.LastSeenMs);
        Assert.False(offline.Online);
        Assert.True(offline.LastSeenMs >= online.LastSeenMs);
    }

    [Fact]
    public async Task Alerts_from_many_devices_at_once_are_all_stored()
    {
        await using var relay = await RelayTestHost.StartAsync();
        var clients = new List<(IMqttClient Client, string Device)>();
        for (var d = 0; d < 20; d++)
        {
            var device = $"box-{d}";
            clients.Add((await relay.ConnectAsync(await relay.AddDeviceAsync("site-1", device)), device));
        }

        await Task.WhenAll(clients.Select(async c =>
        {
            var sends = Enumerable.Range(0, 50).Select(_ => c.Client.PublishAlertAsync(TestAlerts.Make("site-1", c.Device)));
            var results = await Task.WhenAll(sends);
            Assert.All(results, r => Assert.Equal(MqttClientPublishReasonCode.Success, r.ReasonCode));
        }));

        Assert.Equal(1000, await relay.Store.CountAlertsAsync(CancellationToken.None));
        Assert.Equal(0, relay.Counters.Duplicates);
    }
}
