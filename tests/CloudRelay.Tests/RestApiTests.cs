using System.Net;
using System.Net.Http.Json;
using CloudRelay.Api;
using CloudRelay.Hosting;
using CloudRelay.Settings;
using MQTTnet;

namespace CloudRelay.Tests;

[Trait("Category", "Integration")]
public sealed class RestApiTests
{
    [Fact]
    public async Task The_api_refuses_requests_without_the_right_key()
    {
        await using var relay = await RelayTestHost.StartAsync();
        using var anonymous = new HttpClient { BaseAddress = new Uri(relay.HttpUrl) };
        using var wrong = new HttpClient { BaseAddress = new Uri(relay.HttpUrl) };
        wrong.DefaultRequestHeaders.Add(RelayApi.ApiKeyHeader, "guess");
        using var bearer = new HttpClient { BaseAddress = new Uri(relay.HttpUrl) };
        bearer.DefaultRequestHeaders.Authorization = new("Bearer", relay.ApiKey);

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/alerts")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.GetAsync("/api/stats")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync("/api/devices", new { site = "s", device = "d" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await bearer.GetAsync("/api/devices")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await relay.Http.GetAsync("/api/alerts")).StatusCode);
    }

    [Fact]
    public async Task Alerts_can_be_filtered_and_paged_through_without_gaps()
    {
        await using var relay = await RelayTestHost.StartAsync();
        var a = await relay.ConnectAsync(await relay.AddDeviceAsync("kitchen-7", "box-a"));
        var b = await relay.ConnectAsync(await relay.AddDeviceAsync("lift-3", "box-b"));
        var sent = new List<Alert>();
        // Kinds that open no case: a case would add relay-made alerts (a rat's case is overdue at once).
        for (var i = 0; i < 25; i++)
        {
            var alert = TestAlerts.Make("kitchen-7", "box-a", i % 5 == 0 ? AlertKinds.AnimalInKitchen : AlertKinds.PersonAfterHours, i % 2 == 0 ? AlertState.Raised : AlertState.Cleared);
            await a.PublishAlertAsync(alert);
            sent.Add(alert);
        }

        await b.PublishAlertAsync(TestAlerts.Make("lift-3", "box-b", AlertKinds.Trapped));

        var pages = new List<AlertView>();
        string? next = null;
        var pageCount = 0;
        do
        {
            var page = await relay.Http.GetJsonAsync<AlertPageView>($"/api/alerts?site=kitchen-7&limit=10{(next is null ? "" : $"&after={next}")}");
            pages.AddRange(page.Items);
            next = page.Next;
            pageCount++;
        }
        while (next is not null);

        var animals = await relay.Http.GetJsonAsync<AlertPageView>("/api/alerts?kind=animal_in_kitchen");
        var raised = await relay.Http.GetJsonAsync<AlertPageView>("/api/alerts?device=box-a&state=raised");
        var future = await relay.Http.GetJsonAsync<AlertPageView>($"/api/alerts?since={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(1).ToString("O"))}");
        var bad = await relay.Http.GetAsync("/api/alerts?state=maybe");

        Assert.Equal(3, pageCount);
        Assert.Equal(sent.Select(x => x.Id), pages.Select(p => p.Id));
        Assert.Equal(5, animals.Items.Count);
        Assert.All(animals.Items, x => Assert.Equal("animal_in_kitchen", x.Kind));
        Assert.Equal(13, raised.Items.Count);
        Assert.Empty(future.Items);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("raised or cleared", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("major", pages[0].Severity);
        Assert.Equal("cam1", pages[0].Attributes["camera"]);
    }

    [Fact]
    public async Task A_claim_code_gives_working_credentials_once()
    {
        await using var relay = await RelayTestHost.StartAsync();
        var created = await relay.Http.PostAsync("/api/devices/site-9/box-9/claim-code", null);
        created.EnsureSuccessStatusCode();
        var code = (await created.Content.ReadFromJsonAsync<ClaimCodeView>())!.Code;
        using var installer = new HttpClient { BaseAddress = new Uri(relay.HttpUrl) };

        var first = await installer.PostAsJsonAsync("/api/devices/claim", new { code = code.ToLowerInvariant().Replace("-", " ", StringComparison.Ordinal) });
        var second = await installer.PostAsJsonAsync("/api/devices/claim", new { code });
        var unknown = await installer.PostAsJsonAsync("/api/devices/claim", new { code = "AAAA-BBBB-CCCC" });

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, second.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, unknown.StatusCode);
        var credentials = (await first.Content.ReadFromJsonAsync<ClaimView>())!;
        Assert.Equal("site-9/box-9", credentials.Username);
        // The answer names the broker the box connects to, at the host the installer reached the relay by.
        Assert.Equal($"mqtt://127.0.0.1:{relay.MqttPort}", credentials.Broker);
        Assert.Null(credentials.CaSha256); // Plain MQTT here: no CA to pin.
        var client = await relay.ConnectAsync(new CloudRelay.Devices.DeviceCredentials(credentials.Site, credentials.Device, credentials.Username, credentials.Password));
        var result = await client.PublishAlertAsync(TestAlerts.Make("site-9", "box-9"));
        Assert.Equal(MqttClientPublishReasonCode.Success, result.ReasonCode);
    }

    [Fact]
    public async Task Registering_through_the_api_returns_a_token_and_lists_the_device()
    {
        await using var relay = await RelayTestHost.StartAsync();

        var response = await relay.Http.PostAsJsonAsync("/api/devices", new { site = "site-1", device = "box-1" });
        var invalid = await relay.Http.PostAsJsonAsync("/api/devices", new { site = "site/1", device = "box-1" });
        var devices = await relay.Http.GetJsonAsync<List<DeviceView>>("/api/devices");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.False(string.IsNullOrEmpty((await response.Content.ReadFromJsonAsync<CredentialsView>())!.Password));
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        var device = Assert.Single(devices);
        Assert.Equal(("site-1", "box-1", false, true), (device.Site, device.Device, device.Online, device.HasToken));
    }

    [Fact]
    public async Task The_secrets_file_is_private_and_the_token_is_not_kept_in_clear()
    {
        await using var relay = await RelayTestHost.StartAsync();
        var credentials = await relay.AddDeviceAsync("site-1", "box-1");

        var secrets = Path.Combine(relay.DataDir, RelaySecrets.FileName);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(secrets));
        }

        Assert.DoesNotContain(relay.ApiKey, await File.ReadAllTextAsync(secrets), StringComparison.Ordinal);
        var record = await relay.Store.FindDeviceAsync("site-1", "box-1", CancellationToken.None);
        Assert.NotEqual(credentials.Password, record!.TokenHash);
        Assert.DoesNotContain(credentials.Password, credentials.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_snapshot_sent_after_its_alert_is_served_as_jpeg_and_a_missing_one_is_404()
    {
        await using var relay = await RelayTestHost.StartAsync();
        var client = await relay.ConnectAsync(await relay.AddDeviceAsync("site-1", "box-1"));
        var alert = TestAlerts.Make("site-1", "box-1");
        alert = alert with { SnapshotRef = $"snapshot/{alert.Id:D}" };
        byte[] jpeg = [0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 0xff, 0xd9];

        // The box sends the alert first and its snapshot later, at a lower priority.
        var published = await client.PublishAlertAsync(alert);
        var stored = await relay.Http.GetJsonAsync<AlertPageView>("/api/alerts?device=box-1");
        var beforeSnapshot = await relay.Http.GetAsync($"/api/alerts/{alert.Id:D}/snapshot");
        var snapshot = await client.PublishAsync($"edge/site-1/box-1/{alert.SnapshotRef}", jpeg);
        var response = await relay.Http.GetAsync($"/api/alerts/{alert.Id:D}/snapshot");
        var missing = await relay.Http.GetAsync($"/api/alerts/{Guid.CreateVersion7():D}/snapshot");

        Assert.Equal(MqttClientPublishReasonCode.Success, published.ReasonCode);
        Assert.Equal(alert.Id, Assert.Single(stored.Items).Id);
        Assert.Equal(HttpStatusCode.NotFound, beforeSnapshot.StatusCode);
        Assert.Equal(MqttClientPublishReasonCode.Success, snapshot.ReasonCode);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/jpeg", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(jpeg, await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }
}
