using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using CloudRelay.Api;
using CloudRelay.Hosting;
using CloudRelay.Settings;
using EdgeGateway.Contracts;
using EdgeGateway.Contracts.Fleet;
using MQTTnet;
using MQTTnet.Protocol;
using Microsoft.Extensions.DependencyInjection;

namespace CloudRelay.Tests;

/// <summary>
/// Fleet configuration end to end on a real relay: layers set over REST, merged per device, delivered on the devices'
/// <c>config/desired</c> to real MQTT clients, and their reports stored; on both databases.
/// </summary>
public abstract class FleetConfigTests
{
    /// <summary>The relay's <c>--db</c> for one test: null for SQLite in the data folder.</summary>
    protected abstract Task<string?> DatabaseAsync();

    protected async Task<RelayTestHost> StartAsync() => await RelayTestHost.StartAsync(await DatabaseAsync());

    [Fact]
    public async Task Each_device_gets_its_layers_merged_device_over_site_over_all_and_only_devices_a_change_covers_get_a_new_version()
    {
        await using var relay = await StartAsync();
        await relay.AddDeviceAsync("s1", "a");
        await relay.AddDeviceAsync("s1", "b");
        await relay.AddDeviceAsync("s2", "c");

        var all = await PutAsync(relay.Http, "all", """{"Vision": {"FrameRate": 5, "Threshold": 0.5}, "Outbox": {"MaxItems": 100}}""");
        var site = await PutAsync(relay.Http, "site:s1", """{"vision": {"FrameRate": 10}}""");
        var device = await PutAsync(relay.Http, "device:s1/a", """{"Vision": {"Threshold": null}, "Outbox": {"MaxItems": 5}}""");

        var a = await ShowAsync(relay.Http, "s1", "a");
        var b = await ShowAsync(relay.Http, "s1", "b");
        var c = await ShowAsync(relay.Http, "s2", "c");
        Assert.Equal("""{"Vision":{"FrameRate":10},"Outbox":{"MaxItems":5}}""", a.Document.ToJsonString());
        Assert.Equal("""{"Vision":{"FrameRate":10,"Threshold":0.5},"Outbox":{"MaxItems":100}}""", b.Document.ToJsonString());
        Assert.Equal("""{"Vision":{"FrameRate":5,"Threshold":0.5},"Outbox":{"MaxItems":100}}""", c.Document.ToJsonString());
        Assert.Equal((device, site, all), (a.Version, b.Version, c.Version));
        Assert.True(all < site && site < device);
        Assert.Equal(FleetDocument.Sha256(a.Document), a.Sha256);

        // Another site's change leaves s1 alone; clearing s1's layer moves both of its devices, and b falls back to 'all'.
        var other = await PutAsync(relay.Http, "site:s2", """{"Outbox": {"MaxItems": 7}}""");
        Assert.Equal((device, site, other), ((await ShowAsync(relay.Http, "s1", "a")).Version, (await ShowAsync(relay.Http, "s1", "b")).Version, (await ShowAsync(relay.Http, "s2", "c")).Version));
        var cleared = await relay.Http.DeleteAsync("/api/fleet/config/site:s1");
        cleared.EnsureSuccessStatusCode();
        var clearedVersion = (await cleared.Content.ReadFromJsonAsync<JsonObject>())!["version"]!.GetValue<long>();
        var bAfter = await ShowAsync(relay.Http, "s1", "b");
        Assert.Equal(clearedVersion, (await ShowAsync(relay.Http, "s1", "a")).Version);
        Assert.Equal(clearedVersion, bAfter.Version);
        Assert.Equal(other, (await ShowAsync(relay.Http, "s2", "c")).Version);
        Assert.Equal("""{"Vision":{"FrameRate":5,"Threshold":0.5},"Outbox":{"MaxItems":100}}""", bAfter.Document.ToJsonString());

        // A device registered after the changes starts at the version of what covers it.
        await relay.AddDeviceAsync("s2", "later");
        var later = await ShowAsync(relay.Http, "s2", "later");
        Assert.Equal(other, later.Version);
        Assert.Equal("""{"Vision":{"FrameRate":5,"Threshold":0.5},"Outbox":{"MaxItems":7}}""", later.Document.ToJsonString());

        // The fleet list says the same in one call, per site.
        var list = await relay.Http.GetJsonAsync<JsonObject>("/api/fleet/devices?site=s1");
        var items = list["items"]!.AsArray();
        Assert.Equal(["a", "b"], items.Select(i => i!["device"]!.GetValue<string>()));
        Assert.All(items, i => Assert.Equal(clearedVersion, i!["desired_version"]!.GetValue<long>()));
        Assert.Equal(2, list["counts"]!["none"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_layer_with_a_forbidden_key_or_a_bad_target_is_refused_whole_with_the_line_naming_it()
    {
        await using var relay = await StartAsync();
        var forbidden = await relay.Http.PutAsync("/api/fleet/config/all",
            new StringContent("""{"Vision": {"FrameRate": 5}, "Uplink": {"Password": "x", "PublishInterval": "00:00:05"}}""", Encoding.UTF8, "application/json"));
        var badTarget = await relay.Http.PutAsync("/api/fleet/config/site:a%2Fb", new StringContent("{}", Encoding.UTF8, "application/json"));
        var notObject = await relay.Http.PutAsync("/api/fleet/config/all", new StringContent("[1]", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, forbidden.StatusCode);
        var lines = (await forbidden.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsArray().Select(l => l!.GetValue<string>()).ToList();
        Assert.Equal(["fleet key 'Uplink:Password' is refused; it can only be set in the box's own config file"], lines);
        Assert.Equal(HttpStatusCode.BadRequest, badTarget.StatusCode);
        Assert.Contains("target 'site:a/b' is invalid", await badTarget.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, notObject.StatusCode);
        Assert.Empty((await relay.Http.GetJsonAsync<JsonObject>("/api/fleet/config"))["items"]!.AsArray());
    }

    [Fact]
    public async Task A_layer_that_would_make_a_devices_merged_configuration_too_large_is_refused_naming_the_device()
    {
        await using var relay = await StartAsync();
        var note = new string('x', 150 * 1024);
        await PutAsync(relay.Http, "all", $$$"""{"Vision": {"Note": "{{{note}}}"}}""");

        var response = await relay.Http.PutAsync("/api/fleet/config/device:s1/a", new StringContent($$$"""{"Elevator": {"Note": "{{{note}}}"}}"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var line = (await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]![0]!.GetValue<string>();
        Assert.StartsWith("layer for 'device:s1/a' is refused: the merged configuration of device s1/a would be 30", line, StringComparison.Ordinal);
        Assert.EndsWith($"bytes; expected at most {FleetDocument.MaxBytes}", line, StringComparison.Ordinal);
        Assert.Single((await relay.Http.GetJsonAsync<JsonObject>("/api/fleet/config"))["items"]!.AsArray());
    }

    [Fact]
    public async Task Only_fleet_and_admin_keys_change_layers_and_read_keys_may_look()
    {
        await using var relay = await StartAsync();
        using var reader = relay.ClientWithKey(await relay.App.CreateApiKeyAsync("reader", ApiScopes.Read));
        using var fleet = relay.ClientWithKey(await relay.App.CreateApiKeyAsync("fleet-ops", ApiScopes.Fleet));
        using var devices = relay.ClientWithKey(await relay.App.CreateApiKeyAsync("installer", ApiScopes.Devices));

        var byReader = await reader.PutAsync("/api/fleet/config/all", new StringContent("{}"));
        var byFleet = await fleet.PutAsync("/api/fleet/config/all", new StringContent("""{"Outbox": {"MaxItems": 3}}"""));
        var readByDevices = await devices.GetAsync("/api/fleet/config");

        Assert.Equal(HttpStatusCode.Forbidden, byReader.StatusCode);
        Assert.Equal(HttpStatusCode.OK, byFleet.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, readByDevices.StatusCode);
        var layers = await reader.GetJsonAsync<JsonObject>("/api/fleet/config");
        Assert.Equal("api:fleet-ops", layers["items"]![0]!["updated_by"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_subscribed_device_gets_its_desired_configuration_when_a_layer_changes_and_again_on_resubscribe_until_it_reports_it()
    {
        await using var relay = await StartAsync();
        var credentials = await relay.AddDeviceAsync("s1", "lift-1");
        var box = await relay.ConnectAsync(credentials);
        var received = Collect(box);
        await SubscribeDesiredAsync(box, "s1", "lift-1");

        var version = await PutAsync(relay.Http, "site:s1", """{"Elevator": {"TrappedAfter": "00:01:30"}}""");
        var first = await NextAsync(received, "the desired configuration after the layer was set");
        Assert.Equal(version, first.Version);
        Assert.Equal("""{"Elevator":{"TrappedAfter":"00:01:30"}}""", first.Document.ToJsonString());
        Assert.Equal(FleetDocument.Sha256(first.Document), first.Sha256);

        // Not reported yet: a new connection that subscribes gets it again.
        await box.DisconnectAsync();
        box = await relay.ConnectAsync(credentials);
        received = Collect(box);
        await SubscribeDesiredAsync(box, "s1", "lift-1");
        Assert.Equal(version, (await NextAsync(received, "the desired configuration again after resubscribing")).Version);

        // Reported: shown, and a later subscription brings nothing.
        var report = new ConfigReport(version, first.Sha256, FleetConfigStatus.Applied, [], [new FleetGate("alarms_flowing", true, "3")], 1_700_000_000_000);
        Assert.True((await box.PublishAsync(EdgeTopic.Format("edge", "s1", "lift-1", EdgeChannel.ConfigReported), report.Encode())).IsSuccess);
        var shown = await relay.Http.GetJsonAsync<JsonObject>("/api/fleet/devices/s1/lift-1/config");
        Assert.Equal(version, shown["reported"]!["version"]!.GetValue<long>());
        Assert.Equal("applied", shown["reported"]!["status"]!.GetValue<string>());
        Assert.Equal("alarms_flowing", shown["reported"]!["gates"]![0]!["name"]!.GetValue<string>());
        Assert.Equal(1_700_000_000_000, shown["reported"]!["time"]!.GetValue<long>());

        await box.DisconnectAsync();
        box = await relay.ConnectAsync(credentials);
        received = Collect(box);
        await SubscribeDesiredAsync(box, "s1", "lift-1");
        // A device that has not reported subscribes after it: once it has its configuration, the first was judged too.
        var other = await relay.ConnectAsync(await relay.AddDeviceAsync("s1", "lift-2"));
        var otherReceived = Collect(other);
        await SubscribeDesiredAsync(other, "s1", "lift-2");
        await NextAsync(otherReceived, "the desired configuration of a device that never reported");
        await Task.Delay(500);
        Assert.True(received.IsEmpty, "a device that reported its version got it again");
    }

    [Fact]
    public async Task A_change_made_with_the_cli_reaches_connected_devices()
    {
        await using var relay = await StartAsync();
        var box = await relay.ConnectAsync(await relay.AddDeviceAsync("s1", "k-1"));
        var received = Collect(box);
        await SubscribeDesiredAsync(box, "s1", "k-1");
        var layer = Path.Combine(relay.DataDir, "layer.json");
        await File.WriteAllTextAsync(layer, """{"Cameras": [{"Name": "hood", "Url": "rtsp://10.0.0.5/1"}]}""");

        // The CLI works on the running relay's own database, as an operator's would.
        var (exit, stdout, stderr) = await CommandLineTests.RunAsync(["fleet", "config", "set", "--target", "device:s1/k-1", "--file", layer, "--data-dir", relay.DataDir, .. DbOf(relay)]);

        Assert.True(exit == 0, stderr);
        var printed = JsonNode.Parse(stdout)!.AsObject();
        Assert.Equal("device:s1/k-1", printed["target"]!.GetValue<string>());
        var desired = await NextAsync(received, "the desired configuration after the CLI set a layer");
        Assert.Equal(printed["version"]!.GetValue<long>(), desired.Version);
        Assert.Equal("hood", desired.Document["Cameras"]![0]!["Name"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_device_may_not_read_another_devices_desired_configuration_nor_write_its_own()
    {
        await using var relay = await StartAsync();
        var victim = await relay.ConnectAsync(await relay.AddDeviceAsync("s1", "victim"));
        var attacker = await relay.ConnectAsync(await relay.AddDeviceAsync("s1", "attacker"));
        var victimReceived = Collect(victim);
        var attackerReceived = Collect(attacker);
        await SubscribeDesiredAsync(victim, "s1", "victim");

        var spy = await attacker.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(EdgeTopic.Format("edge", "s1", "victim", EdgeChannel.ConfigDesired), MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter("edge/+/+/config/desired", MqttQualityOfServiceLevel.AtLeastOnce)
            .Build());
        var forged = DesiredConfig.Of(999, JsonNode.Parse("""{"Vision": {"Enabled": false}}""")!.AsObject());
        var ownDesired = await victim.PublishAsync(EdgeTopic.Format("edge", "s1", "victim", EdgeChannel.ConfigDesired), forged.Encode());
        var othersDesired = await attacker.PublishAsync(EdgeTopic.Format("edge", "s1", "victim", EdgeChannel.ConfigDesired), forged.Encode());

        Assert.All(spy.Items, i => Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, i.ResultCode));
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, ownDesired.ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, othersDesired.ReasonCode);

        // The relay's own message still reaches the victim, and only the victim.
        var version = await PutAsync(relay.Http, "device:s1/victim", """{"Vision": {"Enabled": true}}""");
        Assert.Equal(version, (await NextAsync(victimReceived, "the victim's desired configuration")).Version);
        Assert.True(victimReceived.IsEmpty, "a forged desired configuration reached the device");
        Assert.True(attackerReceived.IsEmpty, "another device's desired configuration reached the attacker");
    }

    [Fact]
    public async Task A_report_that_is_not_the_contracts_json_is_refused_and_counted_and_nothing_is_kept()
    {
        await using var relay = await StartAsync();
        var box = await relay.ConnectAsync(await relay.AddDeviceAsync("s1", "k-2"));
        var topic = EdgeTopic.Format("edge", "s1", "k-2", EdgeChannel.ConfigReported);

        var garbage = await box.PublishAsync(topic, "not json"u8.ToArray());
        var unknownStatus = await box.PublishAsync(topic, """{"version": 1, "sha256": "", "status": "done", "lines": [], "gates": [], "time": 1}"""u8.ToArray());

        Assert.False(garbage.IsSuccess);
        Assert.False(unknownStatus.IsSuccess);
        Assert.Contains("status 'done' is refused", unknownStatus.ReasonString, StringComparison.Ordinal);
        Assert.Equal(2, relay.Counters.RejectsByReason.GetValueOrDefault("malformed"));
        var shown = await relay.Http.GetJsonAsync<JsonObject>("/api/fleet/devices/s1/k-2/config");
        Assert.Null(shown["reported"]);
        Assert.Null(shown["desired"]);
    }

    private static string[] DbOf(RelayTestHost relay) =>
        relay.Store is CloudRelay.Database.PostgresRelayStore
            ? ["--db", relay.App.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<CloudRelay.Settings.RelayOptions>>().Value.Db]
            : [];

    internal static async Task<long> PutAsync(HttpClient http, string target, string layer)
    {
        var response = await http.PutAsync($"/api/fleet/config/{target}", new StringContent(layer, Encoding.UTF8, "application/json"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        var json = JsonNode.Parse(body)!.AsObject();
        Assert.Equal(target, json["target"]!.GetValue<string>());
        return json["version"]!.GetValue<long>();
    }

    private static async Task<DesiredConfig> ShowAsync(HttpClient http, string site, string device)
    {
        var shown = await http.GetJsonAsync<JsonObject>($"/api/fleet/devices/{site}/{device}/config");
        var desired = shown["desired"]!.AsObject();
        return new DesiredConfig(desired["version"]!.GetValue<long>(), desired["sha256"]!.GetValue<string>(), desired["document"]!.AsObject());
    }

    internal static ConcurrentQueue<DesiredConfig> Collect(IMqttClient client)
    {
        var received = new ConcurrentQueue<DesiredConfig>();
        client.ApplicationMessageReceivedAsync += e =>
        {
            // The contract's decoder checks the sha256 against the document.
            Assert.True(DesiredConfig.TryDecode(System.Buffers.BuffersExtensions.ToArray(e.ApplicationMessage.Payload), out var desired, out var problem), problem);
            received.Enqueue(desired!);
            return Task.CompletedTask;
        };
        return received;
    }

    internal static async Task SubscribeDesiredAsync(IMqttClient client, string site, string device)
    {
        var result = await client.SubscribeAsync(EdgeTopic.Format("edge", site, device, EdgeChannel.ConfigDesired), MqttQualityOfServiceLevel.AtLeastOnce);
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, result.Items.Single().ResultCode);
    }

    internal static async Task<DesiredConfig> NextAsync(ConcurrentQueue<DesiredConfig> received, string what)
    {
        DesiredConfig? desired = null;
        await TestAlerts.WaitUntilAsync(() => Task.FromResult(received.TryDequeue(out desired)), TimeSpan.FromSeconds(20), what);
        return desired!;
    }
}

[Trait("Category", "Integration")]
public sealed class SqliteFleetConfigTests : FleetConfigTests
{
    protected override Task<string?> DatabaseAsync() => Task.FromResult<string?>(null);
}

[Trait("Category", "Integration")]
public sealed class PostgresFleetConfigTests(PostgresFixture postgres) : FleetConfigTests, IClassFixture<PostgresFixture>
{
    protected override async Task<string?> DatabaseAsync() => await postgres.NewDatabaseAsync();
}
