using CloudRelay.Cases;
using CloudRelay.Settings;
using CloudRelay.Database;

namespace CloudRelay.Tests.Console;

/// <summary>The console's storage behaves the same on both databases: operators, sessions, attachments, the live feed's reads.</summary>
public abstract class ConsoleStoreContractTests
{
    private const long Start = 1_800_000_000_000;

    protected abstract Task<SqlRelayStore> CreateStoreAsync(IReadOnlySet<string> caseKinds);

    private static CaseRules Rules() => new(CaseDeadlines.Resolve(new RelayCasesOptions()), RequireOperatorClose: false, Forward: false);

    private async Task<SqlRelayStore> MigratedAsync()
    {
        var store = await CreateStoreAsync(Rules().Deadlines.Keys.ToHashSet(StringComparer.Ordinal));
        await store.MigrateAsync(CancellationToken.None);
        return store;
    }

    [Fact]
    public async Task Operators_and_their_sessions_are_kept_and_removing_an_operator_ends_their_sessions()
    {
        await using var store = await MigratedAsync();
        var alice = new OperatorRecord("alice", "pbkdf2-sha512$210000$c2FsdA==$aGFzaA==", "operator", null, Start);

        Assert.True(await store.AddOperatorAsync(alice, CancellationToken.None));
        Assert.False(await store.AddOperatorAsync(alice with { Role = "admin" }, CancellationToken.None));
        await store.SetOperatorLanguageAsync("alice", "en", CancellationToken.None);
        await store.AddSessionAsync(new ConsoleSessionRecord("token-1", "alice", "csrf-1", Start, Start), CancellationToken.None);
        await store.AddSessionAsync(new ConsoleSessionRecord("token-old", "alice", "csrf-2", Start - 1000, Start - 1000), CancellationToken.None);
        await store.TouchSessionAsync("token-1", Start + 5, CancellationToken.None);
        var found = await store.FindSessionAsync("token-1", CancellationToken.None);
        var expired = await store.RemoveExpiredSessionsAsync(Start - 10, Start - 10, CancellationToken.None);

        Assert.Equal(("alice", "operator", "en", "csrf-1", Start + 5), (found!.Value.Operator.Name, found.Value.Operator.Role, found.Value.Operator.Language,
            found.Value.Session.Csrf, found.Value.Session.SeenMs));
        Assert.Equal(1, expired);
        Assert.Null(await store.FindSessionAsync("token-old", CancellationToken.None));
        Assert.True(await store.RemoveOperatorAsync("alice", CancellationToken.None));
        Assert.Null(await store.FindSessionAsync("token-1", CancellationToken.None));
        Assert.Empty(await store.ListOperatorsAsync(CancellationToken.None));
        Assert.False(await store.RemoveOperatorAsync("alice", CancellationToken.None));
    }

    [Fact]
    public async Task An_attachment_is_kept_with_its_action_and_a_refused_action_keeps_none_while_the_feed_reads_what_came_after()
    {
        await using var store = await MigratedAsync();
        var alert = TestAlerts.Make("site-1", "box-1", EdgeGateway.Contracts.AlertKinds.NoMask);
        await store.InsertAlertsAsync([alert], Start, enqueueForward: false, CancellationToken.None);
        await store.ApplyInboxAsync(Rules(), Start, 100, CancellationToken.None);
        var opened = (await store.QueryCasesAsync(new CaseQuery(), CancellationToken.None)).Items.Single();
        var (alerts, events) = await store.LatestPositionsAsync(CancellationToken.None);
        byte[] photo = [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3];
        var attachment = new CaseAttachment(Guid.CreateVersion7(), "lid.jpg", "image/jpeg", photo);

        var done = await store.ApplyActionAsync(opened.Id, CaseAction.Rectify, "alice", "lid replaced", Rules(), Start + 10, CancellationToken.None, attachment);
        var refused = await store.ApplyActionAsync(opened.Id, CaseAction.Rectify, "alice", "again", Rules(), Start + 20, CancellationToken.None,
            attachment with { Id = Guid.CreateVersion7() });
        var listed = await store.ListAttachmentsAsync(opened.Id, CancellationToken.None);
        var read = await store.FindAttachmentAsync(attachment.Id, CancellationToken.None);
        var timeline = (await store.FindCaseAsync(opened.Id, CancellationToken.None))!.Timeline;
        var feed = await store.CaseEventsAfterAsync(events, 100, CancellationToken.None);

        Assert.Equal((CaseActionOutcome.Done, CaseActionOutcome.Conflict), (done, refused));
        var kept = Assert.Single(listed);
        Assert.Equal((attachment.Id, opened.Id, "lid.jpg", "image/jpeg", (long)photo.Length), (kept.Id, kept.CaseId, kept.FileName, kept.ContentType, kept.Size));
        Assert.Equal(timeline.Single(e => e.Type == CaseEventTypes.Rectified).Id, kept.EventId);
        Assert.Equal(photo, read!.Value.Data);
        Assert.Equal(1, alerts);
        var (position, item) = Assert.Single(feed);
        Assert.True(position > events);
        Assert.Equal((CaseEventTypes.Rectified, "alice", opened.Id), (item.Event.Type, item.Event.Actor, item.Case.Id));
    }
}

[Trait("Category", "Integration")]
public sealed class SqliteConsoleStoreTests : ConsoleStoreContractTests, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("relay-console-").FullName;

    protected override Task<SqlRelayStore> CreateStoreAsync(IReadOnlySet<string> caseKinds) =>
        Task.FromResult<SqlRelayStore>(new SqliteRelayStore(Path.Combine(_directory, $"{Guid.NewGuid():N}.db"), caseKinds));

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }
}

[Trait("Category", "Integration")]
public sealed class PostgresConsoleStoreTests(PostgresFixture postgres) : ConsoleStoreContractTests, IClassFixture<PostgresFixture>
{
    protected override async Task<SqlRelayStore> CreateStoreAsync(IReadOnlySet<string> caseKinds) =>
        new PostgresRelayStore(await postgres.NewDatabaseAsync(), caseKinds);
}
