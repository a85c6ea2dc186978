using CloudRelay.Cases;
using CloudRelay.Settings;
using CloudRelay.Database;

namespace CloudRelay.Tests;

/// <summary>Cases behave the same on both databases: opening, joining, clearing, deadlines, operators' actions, the forward queue.</summary>
public abstract class CaseStoreContractTests
{
    protected const long Start = 1_800_000_000_000;
    private static readonly long Hour = (long)TimeSpan.FromHours(1).TotalMilliseconds;

    protected abstract Task<SqlRelayStore> CreateStoreAsync(IReadOnlySet<string> caseKinds);

    protected static CaseRules Rules(bool requireOperatorClose = false, bool forward = true) =>
        new(CaseDeadlines.Resolve(new RelayCasesOptions()), requireOperatorClose, forward);

    private async Task<SqlRelayStore> MigratedAsync()
    {
        var store = await CreateStoreAsync(Rules().Deadlines.Keys.ToHashSet(StringComparer.Ordinal));
        await store.MigrateAsync(CancellationToken.None);
        return store;
    }

    private static Alert On(string camera, string kind = AlertKinds.NoMask, AlertState state = AlertState.Raised, string device = "box-1")
    {
        var alert = TestAlerts.Make("site-1", device, kind, state);
        return alert with { Attributes = new Dictionary<string, string>(StringComparer.Ordinal) { ["camera"] = camera } };
    }

    private static async Task<IReadOnlyList<CaseRecord>> AllCasesAsync(SqlRelayStore store) =>
        (await store.QueryCasesAsync(new CaseQuery(Limit: 1000), CancellationToken.None)).Items;

    [Fact]
    public async Task A_raised_alert_opens_a_case_and_the_same_camera_joins_it_while_another_camera_or_a_kind_without_deadline_does_not()
    {
        await using var store = await MigratedAsync();
        var first = On("cam1");
        var again = On("cam1");
        var otherCamera = On("cam2");
        var noDeadline = On("cam1", AlertKinds.PersonAfterHours);
        await store.InsertAlertsAsync([first, again, otherCamera, noDeadline], Start, enqueueForward: false, CancellationToken.None);

        var taken = await store.ApplyInboxAsync(Rules(), Start, 100, CancellationToken.None);
        var cases = await AllCasesAsync(store);

        Assert.Equal(3, taken);
        Assert.Equal(2, cases.Count);
        var cam1 = Assert.Single(cases, c => c.Subject == "cam1");
        Assert.Equal((CaseStates.Open, AlertKinds.NoMask, Start + Hour), (cam1.State, cam1.Kind, cam1.DeadlineMs));
        var detail = await store.FindCaseAsync(cam1.Id, CancellationToken.None);
        Assert.Equal([first.Id, again.Id], detail!.Alerts.Select(a => a.Alert.Id));
        Assert.Equal(2, detail.AlertCount);
        Assert.Equal([CaseEventTypes.Opened], detail.Timeline.Select(e => e.Type));
        Assert.Equal(0, await store.ApplyInboxAsync(Rules(), Start, 100, CancellationToken.None));
    }

    [Fact]
    public async Task A_passed_deadline_makes_the_case_overdue_and_raises_one_rectification_overdue_alert_queued_for_the_platform()
    {
        await using var store = await MigratedAsync();
        await store.InsertAlertsAsync([On("cam1")], Start, enqueueForward: true, CancellationToken.None);
        await store.ApplyInboxAsync(Rules(), Start, 100, CancellationToken.None);

        var early = await store.FireOverdueAsync(Rules(), Start + Hour - 1, 100, CancellationToken.None);
        var fired = await store.FireOverdueAsync(Rules(), Start + Hour, 100, CancellationToken.None);
        var again = await store.FireOverdueAsync(Rules(), Start + 2 * Hour, 100, CancellationToken.None);

        Assert.Empty(early);
        Assert.Empty(again);
        var alert = Assert.Single(fired).Alert;
        var overdue = Assert.Single(await AllCasesAsync(store));
        Assert.Equal(CaseStates.Overdue, overdue.State);
        Assert.Equal((AlertKinds.RectificationOverdue, "site-1", "box-1"), (alert.Kind, alert.SiteId, alert.DeviceId));
        Assert.Equal(overdue.Id.ToString("D"), alert.Attributes[RectificationOverdue.CaseAttribute]);
        Assert.Equal(AlertKinds.NoMask, alert.Attributes[RectificationOverdue.ViolationAttribute]);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(Start + Hour), DateTimeOffset.Parse(alert.Attributes[RectificationOverdue.DeadlineAttribute], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Single((await store.QueryAlertsAsync(new AlertQuery(Kind: AlertKinds.RectificationOverdue), CancellationToken.None)).Items);

        var queue = await store.PeekForwardAsync(100, CancellationToken.None);
        Assert.Equal(["alert:no_mask", "case.opened", "case.overdue", "alert:rectification_overdue"],
            queue.Select(q => q.Alert is { } a ? $"alert:{a.Kind}" : $"case.{q.CaseEvent!.Event.Type}"));
        Assert.All(queue.Where(q => q.CaseEvent is not null), q => Assert.Equal(overdue.Id, q.CaseEvent!.Case.Id));
    }

    [Fact]
    public async Task A_case_cleared_at_the_source_stops_its_clock_unless_an_operator_must_close_it()
    {
        await using var store = await MigratedAsync();
        await store.InsertAlertsAsync([On("cam1"), On("cam2")], Start, enqueueForward: false, CancellationToken.None);
        await store.ApplyInboxAsync(Rules(), Start, 100, CancellationToken.None);
        await store.InsertAlertsAsync([On("cam1", state: AlertState.Cleared)], Start + 10, enqueueForward: false, CancellationToken.None);
        await store.ApplyInboxAsync(Rules(), Start + 10, 100, CancellationToken.None);

        var fired = await store.FireOverdueAsync(Rules(), Start + 2 * Hour, 100, CancellationToken.None);
        var cases = await AllCasesAsync(store);

        Assert.Equal(cases.Single(c => c.Subject == "cam2").Id.ToString("D"), Assert.Single(fired).Alert.Attributes["case"]);
        Assert.Equal(CaseStates.ResolvedAtSource, cases.Single(c => c.Subject == "cam1").State);
        Assert.Equal(Start + 10, cases.Single(c => c.Subject == "cam1").ResolvedMs);

        var strict = await store.FireOverdueAsync(Rules(requireOperatorClose: true), Start + 2 * Hour, 100, CancellationToken.None);
        Assert.Equal(cases.Single(c => c.Subject == "cam1").Id.ToString("D"), Assert.Single(strict).Alert.Attributes["case"]);
    }

    [Fact]
    public async Task Operators_acknowledge_rectify_with_a_note_and_reopen_and_the_timeline_records_each_step()
    {
        await using var store = await MigratedAsync();
        await store.InsertAlertsAsync([On("cam1", AlertKinds.BinUncovered)], Start, enqueueForward: true, CancellationToken.None);
        await store.ApplyInboxAsync(Rules(), Start, 100, CancellationToken.None);
        var id = Assert.Single(await AllCasesAsync(store)).Id;

        var acknowledged = await store.ApplyActionAsync(id, CaseAction.Acknowledge, "alice", null, Rules(), Start + 1, CancellationToken.None);
        var ackTwice = await store.ApplyActionAsync(id, CaseAction.Acknowledge, "alice", null, Rules(), Start + 2, CancellationToken.None);
        var reopenOpen = await store.ApplyActionAsync(id, CaseAction.Reopen, "alice", null, Rules(), Start + 2, CancellationToken.None);
        var rectified = await store.ApplyActionAsync(id, CaseAction.Rectify, "alice", "lid fixed, photo taken", Rules(), Start + 3, CancellationToken.None);
        var afterRectify = (await store.FindCaseAsync(id, CancellationToken.None))!.Case;
        var notOverdue = await store.FireOverdueAsync(Rules(), Start + 3 * Hour, 100, CancellationToken.None);
        var reopened = await store.ApplyActionAsync(id, CaseAction.Reopen, "bob", "came back", Rules(), Start + 3 * Hour, CancellationToken.None);
        var missing = await store.ApplyActionAsync(Guid.CreateVersion7(), CaseAction.Acknowledge, "bob", null, Rules(), Start, CancellationToken.None);
        var detail = (await store.FindCaseAsync(id, CancellationToken.None))!;

        Assert.Equal([CaseActionOutcome.Done, CaseActionOutcome.Conflict, CaseActionOutcome.Conflict, CaseActionOutcome.Done, CaseActionOutcome.Done, CaseActionOutcome.NotFound],
            [acknowledged, ackTwice, reopenOpen, rectified, reopened, missing]);
        Assert.Equal((CaseStates.Rectified, "lid fixed, photo taken"), (afterRectify.State, afterRectify.Note));
        Assert.Empty(notOverdue);
        Assert.Equal(CaseStates.Open, detail.Case.State);
        Assert.Equal(Start + 3 * Hour + 2 * Hour, detail.Case.DeadlineMs);
        Assert.Equal([CaseEventTypes.Opened, CaseEventTypes.Acknowledged, CaseEventTypes.Rectified, CaseEventTypes.Reopened], detail.Timeline.Select(e => e.Type));
        Assert.Equal(("alice", "lid fixed, photo taken"), (detail.Timeline[2].Actor, detail.Timeline[2].Note));
        var queue = await store.PeekForwardAsync(100, CancellationToken.None);
        Assert.Equal(["case.opened", "case.rectified", "case.reopened"], queue.Where(q => q.CaseEvent is not null).Select(q => $"case.{q.CaseEvent!.Event.Type}"));
    }

    [Fact]
    public async Task A_case_overdue_again_after_a_reopen_raises_no_second_alert_and_a_new_alert_after_rectification_opens_a_new_case()
    {
        await using var store = await MigratedAsync();
        await store.InsertAlertsAsync([On("cam1", AlertKinds.Rat)], Start, enqueueForward: false, CancellationToken.None);
        await store.ApplyInboxAsync(Rules(), Start, 100, CancellationToken.None);
        var first = await store.FireOverdueAsync(Rules(), Start, 100, CancellationToken.None);
        var id = Assert.Single(await AllCasesAsync(store)).Id;
        await store.ApplyActionAsync(id, CaseAction.Rectify, "alice", "trap set", Rules(), Start + 1, CancellationToken.None);
        await store.ApplyActionAsync(id, CaseAction.Reopen, "alice", null, Rules(), Start + 2, CancellationToken.None);
        var second = await store.FireOverdueAsync(Rules(), Start + 2, 100, CancellationToken.None);
        await store.ApplyActionAsync(id, CaseAction.Rectify, "alice", "sealed the hole", Rules(), Start + 3, CancellationToken.None);
        await store.InsertAlertsAsync([On("cam1", AlertKinds.Rat)], Start + 4, enqueueForward: false, CancellationToken.None);
        await store.ApplyInboxAsync(Rules(), Start + 4, 100, CancellationToken.None);

        Assert.Single(first);
        Assert.Empty(second);
        Assert.Equal(CaseStates.Rectified, (await store.FindCaseAsync(id, CancellationToken.None))!.Case.State);
        Assert.Equal(2, (await AllCasesAsync(store)).Count);
        Assert.Equal(
            [CaseEventTypes.Opened, CaseEventTypes.Overdue, CaseEventTypes.Rectified, CaseEventTypes.Reopened, CaseEventTypes.Overdue, CaseEventTypes.Rectified],
            (await store.FindCaseAsync(id, CancellationToken.None))!.Timeline.Select(e => e.Type));
    }

    [Fact]
    public async Task Cases_page_by_position_and_filter_by_state_site_device_and_kind()
    {
        await using var store = await MigratedAsync();
        var alerts = Enumerable.Range(0, 7).Select(i => On($"cam{i}", i % 2 == 0 ? AlertKinds.NoMask : AlertKinds.NoHat, device: i < 5 ? "box-1" : "box-2")).ToList();
        await store.InsertAlertsAsync(alerts, Start, enqueueForward: false, CancellationToken.None);
        await store.ApplyInboxAsync(Rules(), Start, 100, CancellationToken.None);

        var pages = new List<CaseRecord>();
        long? after = null;
        do
        {
            var page = await store.QueryCasesAsync(new CaseQuery(After: after, Limit: 3), CancellationToken.None);
            pages.AddRange(page.Items);
            after = page.Next;
        }
        while (after is not null);

        Assert.Equal(alerts.Select(a => a.Attributes["camera"]), pages.Select(c => c.Subject));
        Assert.Equal(4, (await store.QueryCasesAsync(new CaseQuery(Kind: AlertKinds.NoMask), CancellationToken.None)).Items.Count);
        Assert.Equal(2, (await store.QueryCasesAsync(new CaseQuery(Device: "box-2"), CancellationToken.None)).Items.Count);
        Assert.Equal(7, (await store.QueryCasesAsync(new CaseQuery(State: CaseStates.Open, Site: "site-1"), CancellationToken.None)).Items.Count);
        Assert.Empty((await store.QueryCasesAsync(new CaseQuery(State: CaseStates.Overdue), CancellationToken.None)).Items);
    }
}

[Trait("Category", "Integration")]
public sealed class SqliteCaseStoreTests : CaseStoreContractTests, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("relay-cases-").FullName;

    protected override Task<SqlRelayStore> CreateStoreAsync(IReadOnlySet<string> caseKinds) =>
        Task.FromResult<SqlRelayStore>(new SqliteRelayStore(Path.Combine(_directory, $"{Guid.NewGuid():N}.db"), caseKinds));

    [Fact]
    public async Task Upgrading_a_relay_with_alerts_waiting_for_the_platform_keeps_them_queued_in_order()
    {
        var path = Path.Combine(_directory, "upgrade.db");
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path}"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_ms BIGINT NOT NULL);"
                + string.Concat(SchemaMigrations.Sqlite.Where(m => m.Version <= 5)
                    .Select(m => $"{m.Sql};\nINSERT INTO schema_migrations VALUES ({m.Version}, 'before cases', 1);\n"));
            await command.ExecuteNonQueryAsync();
        }

        // Queued as that relay wrote them, in the columns it had.
        var waiting = Enumerable.Range(0, 3).Select(_ => TestAlerts.Make("site-1", "box-1")).ToList();
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path}"))
        {
            await connection.OpenAsync();
            foreach (var alert in waiting)
            {
                await using var insert = connection.CreateCommand();
                insert.CommandText = """
                    INSERT INTO alerts (id, site, device, seq, kind, severity, state, ts_ms, received_ms)
                    VALUES ($id, $site, $device, $seq, $kind, $severity, $state, $ts, $received);
                    INSERT INTO forward_queue (alert_pos) VALUES (last_insert_rowid());
                    """;
                insert.Parameters.AddWithValue("$id", alert.Id);
                insert.Parameters.AddWithValue("$site", alert.SiteId);
                insert.Parameters.AddWithValue("$device", alert.DeviceId);
                insert.Parameters.AddWithValue("$seq", alert.Sequence);
                insert.Parameters.AddWithValue("$kind", alert.Kind);
                insert.Parameters.AddWithValue("$severity", (int)alert.Severity);
                insert.Parameters.AddWithValue("$state", (int)alert.State);
                insert.Parameters.AddWithValue("$ts", alert.TimestampMs);
                insert.Parameters.AddWithValue("$received", Start);
                await insert.ExecuteNonQueryAsync();
            }
        }

        await using var store = new SqliteRelayStore(path, new HashSet<string>(StringComparer.Ordinal) { AlertKinds.NoMask });

        var version = await store.MigrateAsync(CancellationToken.None);
        var later = TestAlerts.Make("site-1", "box-1", AlertKinds.NoMask);
        await store.InsertAlertsAsync([later], Start + 1, enqueueForward: true, CancellationToken.None);
        var queue = await store.PeekForwardAsync(100, CancellationToken.None);

        Assert.Equal(SchemaMigrations.Sqlite.Count, version);
        Assert.Equal([.. waiting.Select(a => a.Id), later.Id], queue.Select(q => q.Alert!.Id));
        Assert.Equal(1, await store.ApplyInboxAsync(Rules(), Start + 1, 100, CancellationToken.None));
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }
}

[Trait("Category", "Integration")]
public sealed class PostgresCaseStoreTests(PostgresFixture postgres) : CaseStoreContractTests, IClassFixture<PostgresFixture>
{
    protected override async Task<SqlRelayStore> CreateStoreAsync(IReadOnlySet<string> caseKinds) =>
        new PostgresRelayStore(await postgres.NewDatabaseAsync(), caseKinds);
}
