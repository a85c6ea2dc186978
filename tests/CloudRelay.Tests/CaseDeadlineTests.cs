using CloudRelay.Cases;
using CloudRelay.Database;
using EdgeGateway.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace CloudRelay.Tests;

/// <summary>
/// A real relay with short deadlines in its configuration, a real device connection and a real HTTP platform:
/// what overdue means end to end, on both databases.
/// </summary>
public abstract class CaseDeadlineTests
{
    private const string Secret = "case-webhook-secret";

    /// <summary>The relay's <c>--db</c> for one test: null for SQLite in the data folder.</summary>
    protected abstract Task<string?> DatabaseAsync();

    internal static Dictionary<string, string?> Settings(string deadline) => new()
    {
        ["Cases:Deadlines:no_mask"] = deadline,
        ["Cases:CheckInterval"] = "00:00:00.100",
        ["Webhook:Secret"] = Secret,
        ["Webhook:MaxBackoff"] = "00:00:00.500",
    };

    internal static Alert At(string device, string camera, AlertState state = AlertState.Raised) =>
        TestAlerts.Make("site-1", device, AlertKinds.NoMask, state) with
        {
            Attributes = new Dictionary<string, string>(StringComparer.Ordinal) { ["camera"] = camera },
        };

    internal static async Task<IReadOnlyList<CaseRecord>> CasesAsync(RelayTestHost relay) =>
        (await relay.App.Services.GetRequiredService<ICaseStore>().QueryCasesAsync(new CaseQuery(Limit: 1000), CancellationToken.None)).Items;

    internal static string Describe(RecordingPlatform platform) =>
        $"{platform.Alerts(AlertKinds.RectificationOverdue).Count} rectification_overdue alerts, {platform.Events("case.overdue").Count} case.overdue events, {platform.Received.Count} deliveries";

    internal static async Task<IReadOnlyList<StoredAlert>> OverdueAlertsAsync(RelayTestHost relay) =>
        (await relay.Store.QueryAlertsAsync(new AlertQuery(Kind: AlertKinds.RectificationOverdue, Limit: 1000), CancellationToken.None)).Items;

    [Fact]
    public async Task An_open_case_past_its_deadline_reaches_the_platform_as_rectification_overdue_and_one_cleared_in_time_does_not()
    {
        await using var platform = await RecordingPlatform.StartAsync(Secret);
        await using var relay = await RelayTestHost.StartAsync(await DatabaseAsync(), platform.Url, Settings("00:00:03"));
        var box = await relay.ConnectAsync(await relay.AddDeviceAsync("site-1", "box-1"));

        await box.PublishAlertAsync(At("box-1", "cam1"));
        await box.PublishAlertAsync(At("box-1", "cam2"));
        await box.PublishAlertAsync(At("box-1", "cam2", AlertState.Cleared));
        await TestAlerts.WaitUntilAsync(() => Task.FromResult(platform.Alerts(AlertKinds.RectificationOverdue).Count >= 1 && platform.Events("case.overdue").Count >= 1),
            TimeSpan.FromSeconds(20), "rectification_overdue and case.overdue at the platform");
        // On until well past cam2's deadline too (20 checks): nothing may follow.
        await Eventually.StaysAsync(() => Task.FromResult(platform.Alerts(AlertKinds.RectificationOverdue).Count == 1 && platform.Events("case.overdue").Count == 1),
            TimeSpan.FromSeconds(2), "one overdue alert and event", () => Describe(platform));

        var cases = await CasesAsync(relay);
        var cam1 = cases.Single(c => c.Subject == "cam1");
        var cam2 = cases.Single(c => c.Subject == "cam2");
        Assert.Equal((CaseStates.Overdue, CaseStates.ResolvedAtSource), (cam1.State, cam2.State));
        var overdue = Assert.Single(platform.Alerts(AlertKinds.RectificationOverdue));
        Assert.True(overdue.SignatureOk);
        var attributes = overdue.Body.GetProperty("attrs");
        Assert.Equal(cam1.Id.ToString("D"), attributes.GetProperty("case").GetString());
        Assert.Equal(AlertKinds.NoMask, attributes.GetProperty("violation").GetString());
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(cam1.DeadlineMs),
            DateTimeOffset.Parse(attributes.GetProperty("deadline").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(("site-1", "box-1"), (overdue.Body.GetProperty("site").GetString(), overdue.Body.GetProperty("device").GetString()));
        Assert.Single(await OverdueAlertsAsync(relay));
        Assert.Equal(2, platform.Events("case.opened").Count);
        var overdueEvent = Assert.Single(platform.Events("case.overdue"));
        Assert.Equal(cam1.Id.ToString("D"), overdueEvent.Body.GetProperty("case").GetProperty("id").GetString());
        Assert.All(platform.Received, d => Assert.True(d.SignatureOk));
    }

    [Fact]
    public async Task A_relay_restarted_in_the_middle_of_a_deadline_fires_it_once_after_the_restart()
    {
        var db = await DatabaseAsync();
        var dataDir = Directory.CreateTempSubdirectory("relay-restart-").FullName;
        await using var platform = await RecordingPlatform.StartAsync(Secret);
        Guid caseId;
        await using (var before = await RelayTestHost.StartAsync(db, platform.Url, Settings("00:00:04"), dataDir, keepDataDir: true))
        {
            var box = await before.ConnectAsync(await before.AddDeviceAsync("site-1", "box-1"));
            await box.PublishAlertAsync(At("box-1", "cam1"));
            await TestAlerts.WaitUntilAsync(async () => (await CasesAsync(before)).Count == 1, TimeSpan.FromSeconds(10), "the case");
            caseId = (await CasesAsync(before))[0].Id;
        }

        // Down across the deadline.
        await Task.Delay(TimeSpan.FromSeconds(5));
        Assert.Empty(platform.Alerts(AlertKinds.RectificationOverdue));
        await using var after = await RelayTestHost.StartAsync(db, platform.Url, Settings("00:00:04"), dataDir);
        await TestAlerts.WaitUntilAsync(() => Task.FromResult(platform.Alerts(AlertKinds.RectificationOverdue).Count >= 1),
            TimeSpan.FromSeconds(20), "rectification_overdue after the restart");
        await Eventually.StaysAsync(() => Task.FromResult(platform.Alerts(AlertKinds.RectificationOverdue).Count == 1),
            TimeSpan.FromSeconds(2), "one overdue alert", () => Describe(platform));

        var overdue = Assert.Single(platform.Alerts(AlertKinds.RectificationOverdue));
        Assert.Equal(caseId.ToString("D"), overdue.Body.GetProperty("attrs").GetProperty("case").GetString());
        Assert.Single(await OverdueAlertsAsync(after));
        Assert.Equal(CaseStates.Overdue, Assert.Single(await CasesAsync(after)).State);
        Assert.Single(platform.Events("case.opened"));
    }
}

[Trait("Category", "Integration")]
public sealed class SqliteCaseDeadlineTests : CaseDeadlineTests
{
    protected override Task<string?> DatabaseAsync() => Task.FromResult<string?>(null);
}

[Trait("Category", "Integration")]
public sealed class PostgresCaseDeadlineTests(PostgresFixture postgres) : CaseDeadlineTests, IClassFixture<PostgresFixture>
{
    protected override async Task<string?> DatabaseAsync() => await postgres.NewDatabaseAsync();

    [Fact]
    public async Task Two_relay_instances_on_one_database_fire_each_overdue_exactly_once()
    {
        var db = await postgres.NewDatabaseAsync();
        await using var platform = await RecordingPlatform.StartAsync("case-webhook-secret");
        await using var first = await RelayTestHost.StartAsync(db, platform.Url, Settings("00:00:02"));
        await using var second = await RelayTestHost.StartAsync(db, platform.Url, Settings("00:00:02"));
        var boxA = await first.ConnectAsync(await first.AddDeviceAsync("site-1", "box-a"));
        var boxB = await second.ConnectAsync(await second.AddDeviceAsync("site-1", "box-b"));

        for (var i = 0; i < 5; i++)
        {
            await boxA.PublishAlertAsync(At("box-a", $"cam{i}"));
            await boxB.PublishAlertAsync(At("box-b", $"cam{i}"));
        }

        await TestAlerts.WaitUntilAsync(() => Task.FromResult(platform.Alerts(AlertKinds.RectificationOverdue).Count >= 10 && platform.Events("case.overdue").Count >= 10),
            TimeSpan.FromSeconds(30), "10 rectification_overdue alerts and case.overdue events at the platform");
        // Both instances go on checking every 100 ms: none may fire a case a second time.
        await Eventually.StaysAsync(() => Task.FromResult(platform.Alerts(AlertKinds.RectificationOverdue).Count == 10 && platform.Events("case.overdue").Count == 10),
            TimeSpan.FromSeconds(2), "ten overdue alerts and events", () => Describe(platform));

        var fired = platform.Alerts(AlertKinds.RectificationOverdue);
        Assert.Equal(10, fired.Count);
        Assert.Equal(10, fired.Select(d => d.Body.GetProperty("attrs").GetProperty("case").GetString()).Distinct().Count());
        Assert.Equal(10, (await OverdueAlertsAsync(first)).Count);
        Assert.Equal(10, platform.Events("case.overdue").Count);
        Assert.Equal(10, platform.Events("case.opened").Count);
        Assert.All(await CasesAsync(second), c => Assert.Equal(CaseStates.Overdue, c.State));
    }
}
