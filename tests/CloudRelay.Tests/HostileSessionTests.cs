using System.Globalization;
using CloudRelay.Api;
using CloudRelay.Devices;
using CloudRelay.Ingest;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using MQTTnet.Protocol;

namespace CloudRelay.Tests;

/// <summary>
/// A registered device that tries to act as another: with the victim's client id (clean start on and off, with a
/// session expiry, while the victim is online), with a made-up client id, and after it was removed or its token
/// renewed. Nothing forged may be stored, and the victim must stay connected and served.
/// </summary>
[Trait("Category", "Integration")]
[Collection(MemoryMeasured.Name)]
public sealed class HostileSessionTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task The_victims_client_id_is_refused_and_the_victim_stays_connected(bool cleanStart)
    {
        await using var relay = await RelayTestHost.StartAsync();
        var victim = await relay.ConnectAsync(await relay.AddDeviceAsync("s1", "victim"));
        var attacker = await relay.AddDeviceAsync("s1", "attacker");
        var probe = new MemoryProbe();

        var (client, code) = await HostileClients.ConnectAsync(relay.MqttPort, attacker, "edgegw-s1-victim", cleanStart, sessionExpiry: 3600);
        var forged = TestAlerts.Make("s1", "victim", AlertKinds.Rat);
        var forgedPublish = client.IsConnected ? await client.PublishAlertAsync(forged) : null;

        Assert.Equal(MqttClientConnectResultCode.ClientIdentifierNotValid, code);
        Assert.Null(forgedPublish);
        Assert.True(victim.IsConnected);
        var own = await victim.PublishAlertAsync(TestAlerts.Make("s1", "victim"));
        Assert.Equal(MqttClientPublishReasonCode.Success, own.ReasonCode);
        Assert.Null(await relay.Store.FindAlertAsync(forged.Id, CancellationToken.None));
        var stats = await relay.Http.GetJsonAsync<StatsView>("/api/stats");
        Assert.Equal(1, stats.Ingest.Limits[LimitNames.ClientIdNotValid]);
        Assert.Equal(1, stats.Ingest.Stored);
        probe.AssertBounded();
        client.Dispose();
    }

    [Fact]
    public async Task Mosquitto_pub_with_the_victims_client_id_and_a_kept_session_is_refused()
    {
        await using var relay = await RelayTestHost.StartAsync();
        var victim = await relay.ConnectAsync(await relay.AddDeviceAsync("s1", "victim"));
        var attacker = await relay.AddDeviceAsync("s1", "attacker");
        var forged = TestAlerts.Make("s1", "victim", AlertKinds.Rat);

        // -c: clean start off, -x: session expiry; the exact attack that used to store a forged alert.
        var (exit, output) = await HostileClients.MosquittoAsync("mosquitto_pub",
            "-h", "127.0.0.1", "-p", relay.MqttPort.ToString(CultureInfo.InvariantCulture), "-V", "5", "-q", "1",
            "-i", "edgegw-s1-victim", "-c", "-x", "3600", "-u", attacker.Username, "-P", attacker.Password,
            "-t", "edge/s1/victim/alert", "-m", System.Text.Encoding.UTF8.GetString(AlertJson.Encode(forged)));

        Assert.NotEqual(0, exit);
        Assert.Contains("identifier", output, StringComparison.OrdinalIgnoreCase);
        Assert.True(victim.IsConnected);
        Assert.Equal(MqttClientPublishReasonCode.Success, (await victim.PublishAlertAsync(TestAlerts.Make("s1", "victim"))).ReasonCode);
        var page = await relay.Http.GetJsonAsync<AlertPageView>("/api/alerts?device=victim");
        Assert.Single(page.Items);
        Assert.DoesNotContain(page.Items, a => a.Id == forged.Id);
    }

    [Fact]
    public async Task A_made_up_client_id_is_refused_and_a_registered_one_is_the_devices_own()
    {
        await using var relay = await RelayTestHost.StartAsync();
        var registry = relay.App.Services.GetRequiredService<DeviceRegistry>();
        var device = await registry.AddAsync("s1", "box-1", clientId: "kitchen-7-box");

        var (stranger, refused) = await HostileClients.ConnectAsync(relay.MqttPort, device, "anything-else");
        var (registered, accepted) = await HostileClients.ConnectAsync(relay.MqttPort, device, "kitchen-7-box");
        var (byDefault, alsoAccepted) = await HostileClients.ConnectAsync(relay.MqttPort, device, "edgegw-s1-box-1");

        Assert.Equal(MqttClientConnectResultCode.ClientIdentifierNotValid, refused);
        Assert.Equal(MqttClientConnectResultCode.Success, accepted);
        Assert.Equal(MqttClientConnectResultCode.Success, alsoAccepted);
        Assert.True((await registered.PublishAlertAsync(TestAlerts.Make("s1", "box-1"))).IsSuccess);
        Assert.Equal(1, relay.Counters.Limit(LimitNames.ClientIdNotValid));
        await Assert.ThrowsAsync<ArgumentException>(() => registry.AddAsync("s1", "box-2", clientId: "edgegw-s1-box-1"));
        stranger.Dispose();
        registered.Dispose();
        byDefault.Dispose();
    }

    [Fact]
    public async Task The_devices_own_reconnect_takes_over_its_session_and_carries_its_own_identity()
    {
        await using var relay = await RelayTestHost.StartAsync();
        var credentials = await relay.AddDeviceAsync("s1", "box-1");
        var (first, _) = await HostileClients.ConnectAsync(relay.MqttPort, credentials, "edgegw-s1-box-1", cleanStart: false, sessionExpiry: 3600);

        var (second, code) = await HostileClients.ConnectAsync(relay.MqttPort, credentials, "edgegw-s1-box-1", cleanStart: false, sessionExpiry: 3600);

        Assert.Equal(MqttClientConnectResultCode.Success, code);
        await TestAlerts.WaitUntilAsync(() => Task.FromResult(!first.IsConnected), TimeSpan.FromSeconds(10), "the first connection to be taken over");
        Assert.True((await second.PublishAlertAsync(TestAlerts.Make("s1", "box-1"))).IsSuccess);
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, (await second.PublishAlertAsync(TestAlerts.Make("s1", "box-2"))).ReasonCode);
        first.Dispose();
        second.Dispose();
    }

    [Fact]
    public async Task A_removed_device_or_a_renewed_token_loses_its_live_session_at_once()
    {
        await using var relay = await RelayTestHost.StartAsync();
        var registry = relay.App.Services.GetRequiredService<DeviceRegistry>();
        var bystander = await relay.ConnectAsync(await relay.AddDeviceAsync("s1", "bystander"));
        var renewed = await relay.ConnectAsync(await relay.AddDeviceAsync("s1", "renewed"));
        var removedCredentials = await relay.AddDeviceAsync("s1", "removed");
        var removed = await relay.ConnectAsync(removedCredentials);

        var fresh = await registry.AddAsync("s1", "renewed", renew: true);
        await registry.RemoveAsync("s1", "removed");

        await TestAlerts.WaitUntilAsync(() => Task.FromResult(!renewed.IsConnected && !removed.IsConnected), TimeSpan.FromSeconds(5),
            "the removed device and the one with a new token to be disconnected");
        var (_, again) = await HostileClients.ConnectAsync(relay.MqttPort, removedCredentials, "edgegw-s1-removed");
        var (renewedAgain, withNewToken) = await HostileClients.ConnectAsync(relay.MqttPort, fresh, "edgegw-s1-renewed");
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, again);
        Assert.Equal(MqttClientConnectResultCode.Success, withNewToken);
        Assert.True(bystander.IsConnected);
        Assert.True((await bystander.PublishAlertAsync(TestAlerts.Make("s1", "bystander"))).IsSuccess);
        Assert.Equal(2, relay.Counters.Limit(LimitNames.SessionRevoked));
        renewedAgain.Dispose();
    }

    [Fact]
    public async Task Mosquitto_sub_on_another_devices_topics_or_on_everything_receives_nothing()
    {
        await using var relay = await RelayTestHost.StartAsync();
        var victim = await relay.ConnectAsync(await relay.AddDeviceAsync("s1", "victim"));
        var attacker = await relay.AddDeviceAsync("s1", "attacker");
        // The relay routes a device's messages on its own topics outside its channels (here cmd/…) to subscribers:
        // the victim's own subscription shows they are delivered, so only the ACL keeps them from the attacker.
        var delivered = new System.Collections.Concurrent.ConcurrentQueue<string>();
        victim.ApplicationMessageReceivedAsync += e =>
        {
            delivered.Enqueue(e.ApplicationMessage.ConvertPayloadToString());
            return Task.CompletedTask;
        };
        await victim.SubscribeAsync("edge/s1/victim/#", MqttQualityOfServiceLevel.AtLeastOnce);

        using var subscriber = new MosquittoSub("-h", "127.0.0.1", "-p", relay.MqttPort.ToString(CultureInfo.InvariantCulture), "-V", "5", "-q", "1", "-d",
            "-i", "edgegw-s1-attacker", "-u", attacker.Username, "-P", attacker.Password,
            "-t", "edge/s1/attacker/#", "-t", "edge/s1/victim/#", "-t", "#", "-t", "$SYS/#", "-v", "-W", "8");
        await subscriber.WaitForAsync("SUBACK", TimeSpan.FromSeconds(30));
        var sent = Enumerable.Range(0, 15).Select(i => $"secret-{i}-{Guid.NewGuid():N}").ToList();
        foreach (var payload in sent)
        {
            Assert.True((await victim.PublishAsync("edge/s1/victim/cmd/door", System.Text.Encoding.UTF8.GetBytes(payload))).IsSuccess);
        }

        await TestAlerts.WaitUntilAsync(() => Task.FromResult(delivered.Count >= sent.Count), TimeSpan.FromSeconds(10), "the victim's own subscription to receive its 15 messages");
        var output = await subscriber.WaitForExitAsync();

        // The attacker stayed subscribed (to its own topics) while the victim's messages were routed, and got none of them.
        Assert.All(sent, payload => Assert.DoesNotContain(payload, output, StringComparison.Ordinal));
        Assert.DoesNotContain("received PUBLISH", output, StringComparison.Ordinal);
        Assert.Contains("Subscribed (mid: 1): 1, 135, 135, 135", output, StringComparison.Ordinal);
        Assert.Contains("Timed out", output, StringComparison.Ordinal);
        Assert.Equal(sent, delivered.ToList());
        Assert.True(victim.IsConnected);
    }

    [Fact]
    public async Task Two_connects_of_one_device_close_together_never_leave_a_session_that_skips_the_acl()
    {
        await using var relay = await RelayTestHost.StartAsync();
        var (victim, received) = await SubscribedVictimAsync(relay);
        var racer = await relay.AddDeviceAsync("s1", "racer");
        var answers = new List<string>();

        for (var round = 0; round < 40; round++)
        {
            // Clean start off: the second CONNECT takes over the first one's session, which is where an identity could be lost.
            var pair = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ =>
                HostileClients.ConnectAsync(relay.MqttPort, racer, "edgegw-s1-racer", cleanStart: false, sessionExpiry: 3600)));
            foreach (var (client, _) in pair)
            {
                answers.Add(await TryPublishAsync(client, "edge/s1/victim/cmd", $"forged-{round}"));
                try
                {
                    client.Dispose();
                }
                catch (ObjectDisposedException)
                {
                    // The relay closed this connection as it was disposed: MQTTnet's own cleanup got there first.
                }
            }
        }

        // Every connection that could still publish was refused by the ACL; none was routed to the victim or kept retained.
        var forgedAccepted = answers.Count(a => a is not (nameof(MqttClientPublishReasonCode.NotAuthorized) or "closed"));
        Assert.True(forgedAccepted == 0, $"{forgedAccepted} of {answers.Count} publishes on the victim's topic were not refused: {string.Join(", ", answers.Distinct())}");
        Assert.Contains(nameof(MqttClientPublishReasonCode.NotAuthorized), answers);
        // The device itself is served as ever.
        var (again, _) = await HostileClients.ConnectAsync(relay.MqttPort, racer, "edgegw-s1-racer", cleanStart: false, sessionExpiry: 3600);
        Assert.Equal(MqttClientPublishReasonCode.Success, (await again.PublishAlertAsync(TestAlerts.Make("s1", "racer"))).ReasonCode);
        again.Dispose();

        // A new subscription is sent whatever is retained there; then the victim's own message closes the stream.
        await victim.SubscribeAsync("edge/s1/victim/cmd", MqttQualityOfServiceLevel.AtLeastOnce);
        Assert.True((await victim.PublishAsync("edge/s1/victim/cmd", "own"u8.ToArray())).IsSuccess);
        await TestAlerts.WaitUntilAsync(() => Task.FromResult(received.Contains("own")), TimeSpan.FromSeconds(10), "the victim's own message to reach its subscription");
        Assert.All(received, payload => Assert.Equal("own", payload));
        Assert.True(victim.IsConnected);
    }

    [Fact]
    public async Task A_message_from_a_session_without_a_device_identity_is_refused_and_never_routed()
    {
        await using var relay = await RelayTestHost.StartAsync();
        var (victim, received) = await SubscribedVictimAsync(relay);
        var server = relay.App.Services.GetRequiredService<EmbeddedBroker>().Server!;

        // A message that reaches the publish hook with no identity in its session items, however it got there.
        await server.InjectApplicationMessage(new MQTTnet.Server.InjectedMqttApplicationMessage(new MqttApplicationMessageBuilder()
            .WithTopic("edge/s1/victim/cmd").WithPayload("forged").WithRetainFlag().Build()) { SenderClientId = "edgegw-s1-victim" });
        // Not routed; and a new subscription, which is sent what is retained before anything published after it, finds nothing kept.
        await victim.SubscribeAsync("edge/s1/victim/cmd", MqttQualityOfServiceLevel.AtLeastOnce);
        Assert.True((await victim.PublishAsync("edge/s1/victim/cmd", "own"u8.ToArray())).IsSuccess);
        await TestAlerts.WaitUntilAsync(() => Task.FromResult(received.Contains("own")), TimeSpan.FromSeconds(10), "the victim's own message to reach its subscription");

        Assert.All(received, payload => Assert.Equal("own", payload));
        Assert.Equal(1, relay.Counters.RejectsByReason[RejectReasons.NotAuthorized]);
    }

    /// <summary>The PUBACK's reason code, or "closed" when the connection was gone or closed instead of answering.</summary>
    private static async Task<string> TryPublishAsync(IMqttClient client, string topic, string payload)
    {
        if (!client.IsConnected)
        {
            return "closed";
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            var result = await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithRetainFlag()
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), timeout.Token);
            return result.ReasonCode.ToString();
        }
        catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException or InvalidOperationException)
        {
            return "closed";
        }
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Devices_registered_and_connected_one_after_another_all_stay_connected(string db)
    {
        // Each registration signals a credential check; a check must never judge a session by a registry read
        // older than the device it serves.
        await using var relay = await RelayTestHost.StartAsync(db == "postgres" ? await postgres.NewDatabaseAsync() : null);
        var clients = new List<IMqttClient>();
        for (var i = 0; i < 40; i++)
        {
            clients.Add(await relay.ConnectAsync(await relay.AddDeviceAsync("s1", $"box-{i}")));
        }

        var published = await Task.WhenAll(clients.Select((c, i) => c.PublishAlertAsync(TestAlerts.Make("s1", $"box-{i}"))));

        Assert.All(published, p => Assert.True(p.IsSuccess));
        Assert.All(clients, c => Assert.True(c.IsConnected));
        Assert.Equal(0, relay.Counters.Limit(LimitNames.SessionRevoked));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Removal_and_token_renewal_from_the_command_line_reach_the_running_relay_at_once(string db)
    {
        var database = db == "postgres" ? await postgres.NewDatabaseAsync() : null;
        // The periodic check is pushed out of the way: only the change signal can close these sessions in time.
        await using var relay = await RelayTestHost.StartAsync(database,
            settings: new Dictionary<string, string?> { ["Limits:CredentialCheckInterval"] = "01:00:00" });
        var revokedCredentials = await relay.AddDeviceAsync("s1", "revoked");
        var revoked = await relay.ConnectAsync(revokedCredentials);
        var renewedCredentials = await relay.AddDeviceAsync("s1", "renewed");
        var renewed = await relay.ConnectAsync(renewedCredentials);
        var bystander = await relay.ConnectAsync(await relay.AddDeviceAsync("s1", "bystander"));
        string[] where = database is null ? ["--data-dir", relay.DataDir] : ["--data-dir", relay.DataDir, "--db", database];
        var probe = new MemoryProbe();

        var (removeExit, removeOut, removeError) = await CommandLineTests.RunAsync(["devices", "remove", "--site", "s1", "--device", "revoked", .. where]);
        var removedAt = System.Diagnostics.Stopwatch.StartNew();
        await TestAlerts.WaitUntilAsync(() => Task.FromResult(!revoked.IsConnected), TimeSpan.FromSeconds(3), "the removed device to be disconnected");
        var removalTook = removedAt.Elapsed;
        var (renewExit, _, renewError) = await CommandLineTests.RunAsync(["devices", "add", "--site", "s1", "--device", "renewed", "--renew", .. where]);
        await TestAlerts.WaitUntilAsync(() => Task.FromResult(!renewed.IsConnected), TimeSpan.FromSeconds(3), "the device with a renewed token to be disconnected");

        Assert.True(removeExit == 0, removeError);
        Assert.Contains("removed", removeOut, StringComparison.Ordinal);
        Assert.True(renewExit == 0, renewError);
        Assert.True(removalTook < TimeSpan.FromSeconds(3), $"disconnected {removalTook.TotalMilliseconds:F0} ms after the command ended");

        // Nothing the old credentials send afterwards is stored: a reconnect is refused, and so is mosquitto_pub.
        var forged = TestAlerts.Make("s1", "revoked", AlertKinds.Rat);
        var (_, again) = await HostileClients.ConnectAsync(relay.MqttPort, revokedCredentials, "edgegw-s1-revoked");
        var (_, oldToken) = await HostileClients.ConnectAsync(relay.MqttPort, renewedCredentials, "edgegw-s1-renewed");
        var (mosquittoExit, _) = await HostileClients.MosquittoAsync("mosquitto_pub",
            "-h", "127.0.0.1", "-p", relay.MqttPort.ToString(CultureInfo.InvariantCulture), "-V", "5", "-q", "1",
            "-i", "edgegw-s1-revoked", "-u", revokedCredentials.Username, "-P", revokedCredentials.Password,
            "-t", "edge/s1/revoked/alert", "-m", System.Text.Encoding.UTF8.GetString(AlertJson.Encode(forged)));
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, again);
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, oldToken);
        Assert.NotEqual(0, mosquittoExit);
        Assert.Null(await relay.Store.FindAlertAsync(forged.Id, CancellationToken.None));
        Assert.True(bystander.IsConnected);
        Assert.True((await bystander.PublishAlertAsync(TestAlerts.Make("s1", "bystander"))).IsSuccess);
        Assert.Equal(2, relay.Counters.Limit(LimitNames.SessionRevoked));
        probe.AssertBounded();
    }

    /// <summary>A device subscribed to everything under its own prefix, with what reaches it.</summary>
    private static async Task<(IMqttClient Victim, System.Collections.Concurrent.ConcurrentQueue<string> Received)> SubscribedVictimAsync(RelayTestHost relay)
    {
        var victim = await relay.ConnectAsync(await relay.AddDeviceAsync("s1", "victim"));
        var received = new System.Collections.Concurrent.ConcurrentQueue<string>();
        victim.ApplicationMessageReceivedAsync += e =>
        {
            received.Enqueue(e.ApplicationMessage.ConvertPayloadToString());
            return Task.CompletedTask;
        };
        await victim.SubscribeAsync("edge/s1/victim/#", MqttQualityOfServiceLevel.AtLeastOnce);
        return (victim, received);
    }
}
