using System.Net;
using System.Net.Http.Json;
using CloudRelay.Api;
using CloudRelay.Cases;
using Microsoft.Extensions.DependencyInjection;

namespace CloudRelay.Tests;

/// <summary><c>/api/cases</c> against a real relay: a box's alert opens a case, keys' scopes decide who may read and act.</summary>
[Trait("Category", "Integration")]
public sealed class CaseApiTests
{
    [Fact]
    public async Task A_case_is_listed_read_with_its_evidence_and_moved_by_a_cases_key_while_read_and_devices_keys_are_refused()
    {
        await using var relay = await RelayTestHost.StartAsync();
        var keys = relay.App.Services.GetRequiredService<ApiKeys>();
        using var reader = relay.ClientWithKey((await keys.CreateAsync("dashboard", ApiScopes.Read)).Key);
        using var operatorKey = relay.ClientWithKey((await keys.CreateAsync("district-7", ApiScopes.Cases)).Key);
        using var installer = relay.ClientWithKey((await keys.CreateAsync("installer", ApiScopes.Devices)).Key);
        var box = await relay.ConnectAsync(await relay.AddDeviceAsync("kitchen-7", "box-a"));
        var alert = CaseDeadlineTests.At("box-a", "cam1") with { SiteId = "kitchen-7" };
        alert = alert with { SnapshotRef = $"snapshot/{alert.Id:D}" };
        await box.PublishAlertAsync(alert);
        await box.PublishAsync($"edge/kitchen-7/box-a/{alert.SnapshotRef}", [0xff, 0xd8, 0xff, 0xd9]);

        CasePageView open = new([], null);
        await TestAlerts.WaitUntilAsync(async () => (open = await reader.GetJsonAsync<CasePageView>("/api/cases?state=open&site=kitchen-7")).Items.Count == 1,
            TimeSpan.FromSeconds(10), "the case to open");
        var id = open.Items[0].Id;
        var detail = await reader.GetJsonAsync<CaseDetailView>($"/api/cases/{id:D}");
        var snapshot = await reader.GetAsync(detail.Evidence.Single().Snapshot);
        var snapshotForOperator = await operatorKey.GetAsync(detail.Evidence.Single().Snapshot);

        Assert.Equal((AlertKinds.NoMask, "cam1", "box-a"), (detail.Case.Kind, detail.Case.Subject, detail.Case.Device));
        Assert.Equal(alert.Id, Assert.Single(detail.Alerts).Id);
        Assert.Equal(HttpStatusCode.OK, snapshot.StatusCode);
        Assert.Equal("image/jpeg", snapshot.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.OK, snapshotForOperator.StatusCode);
        Assert.Equal(1, detail.AlertCount);
        Assert.Equal(CaseEventTypes.Opened, Assert.Single(detail.Timeline).Type);

        // Scopes: reading is not acting, and installer keys see no cases.
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.PostAsync($"/api/cases/{id:D}/ack", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await installer.GetAsync("/api/cases")).StatusCode);
        using var anonymous = new HttpClient { BaseAddress = new Uri(relay.HttpUrl) };
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/cases")).StatusCode);

        var ack = await operatorKey.PostAsync($"/api/cases/{id:D}/ack", null);
        var ackAgain = await operatorKey.PostAsync($"/api/cases/{id:D}/ack", null);
        var noNote = await operatorKey.PostAsJsonAsync($"/api/cases/{id:D}/rectify", new { note = "  " });
        var rectify = await operatorKey.PostAsJsonAsync($"/api/cases/{id:D}/rectify", new { note = "masks handed out; staff briefed" });
        var afterRectify = await reader.GetJsonAsync<CaseDetailView>($"/api/cases/{id:D}");
        var reopen = await relay.Http.PostAsync($"/api/cases/{id:D}/reopen", null);
        var unknown = await operatorKey.PostAsync($"/api/cases/{Guid.CreateVersion7():D}/ack", null);
        var badState = await reader.GetAsync("/api/cases?state=closed");

        Assert.Equal(HttpStatusCode.OK, ack.StatusCode);
        Assert.Equal(CaseStates.Acknowledged, (await ack.Content.ReadFromJsonAsync<CaseView>())!.State);
        Assert.Equal(HttpStatusCode.Conflict, ackAgain.StatusCode);
        Assert.Contains("is acknowledged", await ackAgain.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, noNote.StatusCode);
        Assert.Equal(HttpStatusCode.OK, rectify.StatusCode);
        Assert.Equal((CaseStates.Rectified, "masks handed out; staff briefed"), (afterRectify.Case.State, afterRectify.Case.Note));
        Assert.Equal(HttpStatusCode.OK, reopen.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badState.StatusCode);
        var timeline = (await reader.GetJsonAsync<CaseDetailView>($"/api/cases/{id:D}")).Timeline;
        Assert.Equal(
            [(CaseEventTypes.Opened, (string?)null), (CaseEventTypes.Acknowledged, "district-7"), (CaseEventTypes.Rectified, "district-7"), (CaseEventTypes.Reopened, relay.ApiKeyName)],
            timeline.Select(e => (e.Type, e.Actor)));
    }

    [Fact]
    public async Task Cases_page_like_alerts_and_filter_by_device_and_kind()
    {
        await using var relay = await RelayTestHost.StartAsync();
        var box = await relay.ConnectAsync(await relay.AddDeviceAsync("site-1", "box-1"));
        var other = await relay.ConnectAsync(await relay.AddDeviceAsync("site-1", "box-2"));
        for (var i = 0; i < 5; i++)
        {
            await box.PublishAlertAsync(CaseDeadlineTests.At("box-1", $"cam{i}"));
        }

        await other.PublishAlertAsync(TestAlerts.Make("site-1", "box-2", AlertKinds.BinUncovered));
        await TestAlerts.WaitUntilAsync(async () => (await relay.Http.GetJsonAsync<CasePageView>("/api/cases")).Items.Count == 6,
            TimeSpan.FromSeconds(10), "six cases");

        var subjects = new List<string>();
        string? next = null;
        var pages = 0;
        do
        {
            var page = await relay.Http.GetJsonAsync<CasePageView>($"/api/cases?device=box-1&limit=2{(next is null ? "" : $"&after={next}")}");
            subjects.AddRange(page.Items.Select(c => c.Subject));
            next = page.Next;
            pages++;
        }
        while (next is not null);

        Assert.Equal(3, pages);
        Assert.Equal(["cam0", "cam1", "cam2", "cam3", "cam4"], subjects);
        Assert.Equal(AlertKinds.BinUncovered, Assert.Single((await relay.Http.GetJsonAsync<CasePageView>("/api/cases?kind=bin_uncovered")).Items).Kind);
        Assert.Equal(HttpStatusCode.BadRequest, (await relay.Http.GetAsync("/api/cases?limit=0")).StatusCode);
    }
}
