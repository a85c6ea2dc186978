using System.Net;
using System.Text.Json;

namespace CloudRelay.Tests;

/// <summary><c>/readyz</c> without an API key: one entry per check, and the data disk's state among them.</summary>
[Trait("Category", "Integration")]
public sealed class RelayProbeTests
{
    [Fact]
    public async Task Readyz_answers_without_a_key_with_a_status_per_check_and_the_data_disks_free_space()
    {
        // A 1 MB reserve: any disk the tests run on has that much free.
        await using var relay = await RelayTestHost.StartAsync(settings: new Dictionary<string, string?> { ["Evidence:ReserveMB"] = "1" });
        using var anonymous = new HttpClient { BaseAddress = new Uri(relay.HttpUrl) };

        var (status, checks) = await ReadyzAsync(anonymous);

        Assert.Equal((HttpStatusCode.OK, "ok"), status);
        Assert.Equal(["store", "ingest", "storage"], checks.Select(c => c.Name));
        Assert.All(checks, c => Assert.Equal("ok", c.Status));
        Assert.Equal("sqlite migrated", checks[0].Detail);
        Assert.Equal("broker listening", checks[1].Detail);
        Assert.Matches(@"^\d+ MB free, 1 MB reserve$", checks[2].Detail);
    }

    [Fact]
    public async Task Readyz_says_storage_full_below_the_reserve_and_stays_ready_for_alarms()
    {
        // No disk here has a petabyte free, so free space is always below this reserve.
        await using var relay = await RelayTestHost.StartAsync(settings: new Dictionary<string, string?> { ["Evidence:ReserveMB"] = "1000000000" });
        using var anonymous = new HttpClient { BaseAddress = new Uri(relay.HttpUrl) };
        var box = await relay.ConnectAsync(await relay.AddDeviceAsync("s1", "box"));

        var alarm = TestAlerts.Make("s1", "box");
        var stored = await box.PublishAlertAsync(alarm);
        var (status, checks) = await ReadyzAsync(anonymous);

        Assert.True(stored.IsSuccess);
        Assert.NotNull(await relay.Store.FindAlertAsync(alarm.Id, CancellationToken.None));
        Assert.Equal((HttpStatusCode.OK, "ok"), status);
        Assert.Matches(@"^storage_full: \d+ MB free, below the 1000000000 MB reserve; evidence refused, alerts stored$", checks.Single(c => c.Name == "storage").Detail);
    }

    private static async Task<((HttpStatusCode Code, string? Status), List<(string? Name, string? Status, string? Detail)>)> ReadyzAsync(HttpClient http)
    {
        using var response = await http.GetAsync("/readyz");
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var checks = json.RootElement.GetProperty("checks").EnumerateArray()
            .Select(c => (c.GetProperty("name").GetString(), c.GetProperty("status").GetString(), c.GetProperty("detail").GetString())).ToList();
        return ((response.StatusCode, json.RootElement.GetProperty("status").GetString()), checks);
    }
}
