using CloudRelay.Cases;
using CloudRelay.Hosting;
using CloudRelay.Settings;
using CloudRelay.Database;
using EdgeGateway.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CloudRelay.Tests;

[Trait("Category", "Unit")]
public sealed class CaseRuleTests
{
    [Theory]
    [InlineData(CaseStates.Open, CaseAction.Acknowledge, false, CaseStates.Acknowledged)]
    [InlineData(CaseStates.Acknowledged, CaseAction.Acknowledge, false, null)]
    [InlineData(CaseStates.Open, CaseAction.ClearedAtSource, false, CaseStates.ResolvedAtSource)]
    [InlineData(CaseStates.Overdue, CaseAction.ClearedAtSource, false, CaseStates.ResolvedAtSource)]
    [InlineData(CaseStates.ResolvedAtSource, CaseAction.RaisedAgain, false, CaseStates.Open)]
    [InlineData(CaseStates.Acknowledged, CaseAction.DeadlinePassed, false, CaseStates.Overdue)]
    [InlineData(CaseStates.ResolvedAtSource, CaseAction.DeadlinePassed, false, null)]
    [InlineData(CaseStates.ResolvedAtSource, CaseAction.DeadlinePassed, true, CaseStates.Overdue)]
    [InlineData(CaseStates.Overdue, CaseAction.Rectify, false, CaseStates.Rectified)]
    [InlineData(CaseStates.Rectified, CaseAction.Rectify, false, null)]
    [InlineData(CaseStates.Rectified, CaseAction.Reopen, false, CaseStates.Open)]
    [InlineData(CaseStates.Open, CaseAction.Reopen, false, null)]
    [InlineData(CaseStates.Rectified, CaseAction.RaisedAgain, false, null)]
    public void The_lifecycle_allows_only_its_transitions(string state, CaseAction action, bool requireOperatorClose, string? expected) =>
        Assert.Equal(expected, CaseLifecycle.Next(state, action, requireOperatorClose));

    [Fact]
    public void Default_deadlines_match_the_readme_and_configured_ones_add_to_or_remove_them()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Cases:Deadlines:smoking"] = "02:00:00",
            ["Cases:Deadlines:cockroach"] = "3.00:00:00",
            ["Cases:Deadlines:no_hat"] = "",
        }).Build();
        var options = configuration.GetSection("Cases").Get<RelayCasesOptions>()!;

        var defaults = CaseDeadlines.Resolve(new RelayCasesOptions());
        var configured = CaseDeadlines.Resolve(options);

        Assert.Equal(TimeSpan.Zero, defaults[AlertKinds.Rat]);
        Assert.Equal(TimeSpan.FromHours(2), defaults[AlertKinds.BinUncovered]);
        Assert.Equal(TimeSpan.FromHours(1), defaults[AlertKinds.NoMask]);
        Assert.Equal(TimeSpan.FromHours(24), defaults[AlertKinds.Smoking]);
        Assert.Equal(TimeSpan.FromMinutes(30), defaults[AlertKinds.Trapped]);
        Assert.Equal(TimeSpan.FromHours(24), defaults[AlertKinds.DoorFault]);
        Assert.Equal(TimeSpan.FromDays(7), defaults[AlertKinds.InspectionOverdue]);
        Assert.False(defaults.ContainsKey(AlertKinds.PersonAfterHours));
        Assert.False(defaults.ContainsKey(AlertKinds.RectificationOverdue));
        Assert.Equal(TimeSpan.FromHours(2), configured[AlertKinds.Smoking]);
        Assert.Equal(TimeSpan.FromDays(3), configured["cockroach"]);
        Assert.False(configured.ContainsKey(AlertKinds.NoHat));
        Assert.Equal(TimeSpan.FromHours(1), configured[AlertKinds.NoMask]);
    }

    [Fact]
    public void The_sample_config_states_the_defaults()
    {
        var sample = new ConfigurationBuilder().AddJsonFile(RepoPaths.Seeds("config", "relay-cases.json")).Build()
            .GetSection("Relay:Cases").Get<RelayCasesOptions>()!;
        var bare = new RelayCasesOptions { Deadlines = new Dictionary<string, string?>(StringComparer.Ordinal) };
        new ConfigurationBuilder().AddJsonFile(RepoPaths.Seeds("config", "relay-cases.json")).Build().GetSection("Relay:Cases").Bind(bare);

        Assert.Equal(CaseDeadlines.Resolve(new RelayCasesOptions()).OrderBy(d => d.Key), CaseDeadlines.Resolve(bare).OrderBy(d => d.Key));
        Assert.Equal(new RelayCasesOptions().RequireOperatorClose, sample.RequireOperatorClose);
        Assert.Equal(new RelayCasesOptions().CheckInterval, sample.CheckInterval);
    }

    [Fact]
    public void Bad_case_settings_give_one_line_naming_the_key_the_value_and_what_was_expected()
    {
        var options = new RelayOptions();
        options.Cases.Deadlines["no_mask"] = "an hour";
        options.Cases.Deadlines["rat"] = "-00:01:00";
        options.Cases.Deadlines[AlertKinds.RectificationOverdue] = "1.00:00:00";
        options.Cases.CheckInterval = TimeSpan.Zero;

        var failures = new RelayOptionsValidator().Validate(null, options).Failures!.ToList();

        Assert.Equal(4, failures.Count);
        Assert.Contains("Relay:Cases:Deadlines:no_mask 'an hour' is invalid; expected a time span d.hh:mm:ss of 0 or more (e.g. 1.00:00:00), or empty for no case", failures);
        Assert.Contains(failures, f => f.StartsWith("Relay:Cases:Deadlines:rat '-00:01:00' is invalid; expected", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Relay:Cases:Deadlines:rectification_overdue '1.00:00:00' is invalid; expected no deadline", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Relay:Cases:CheckInterval '00:00:00' is invalid", StringComparison.Ordinal));
    }

    [Fact]
    public void The_overdue_alert_id_is_a_stable_version_8_uuid_per_case()
    {
        var caseId = Guid.CreateVersion7();

        Assert.Equal(RectificationOverdue.IdFor(caseId), RectificationOverdue.IdFor(caseId));
        Assert.NotEqual(RectificationOverdue.IdFor(caseId), RectificationOverdue.IdFor(Guid.CreateVersion7()));
        Assert.Equal(8, RectificationOverdue.IdFor(caseId).Version);
    }
}

/// <summary>The case tracker on fake time: a one-hour deadline is checked without waiting an hour.</summary>
[Trait("Category", "Integration")]
public sealed class CaseTrackerTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("relay-tracker-").FullName;

    [Fact]
    public async Task The_default_one_hour_no_mask_deadline_fires_after_an_hour_and_not_before()
    {
        var options = Options.Create(new RelayOptions { DataDir = _directory });
        var rules = new CaseRules(CaseDeadlines.Resolve(options.Value.Cases), RequireOperatorClose: false, Forward: false);
        await using var store = new SqliteRelayStore(Path.Combine(_directory, "relay.db"), rules.Deadlines.Keys.ToHashSet(StringComparer.Ordinal));
        await store.MigrateAsync(CancellationToken.None);
        var time = new SteppedTimeProvider(DateTimeOffset.UtcNow);
        using var feed = new RelayAlertFeed();
        await using var lease = new RelayLease(store);
        using var tracker = new CaseTracker(store, lease, feed, rules, time, options, NullLogger<CaseTracker>.Instance);
        var raised = new List<StoredAlert>();
        feed.AlertStored += (_, stored) => raised.Add(stored);
        await store.InsertAlertsAsync([TestAlerts.Make("site-1", "box-1", AlertKinds.NoMask)], time.GetUtcNow().ToUnixTimeMilliseconds(), false, CancellationToken.None);

        await tracker.StartAsync(CancellationToken.None);
        await time.AdvanceWhileWaitingAsync(TimeSpan.FromMinutes(59));
        var before = raised.Count;
        var stateBefore = (await store.QueryCasesAsync(new CaseQuery(), CancellationToken.None)).Items.Single().State;
        await time.AdvanceWhileWaitingAsync(TimeSpan.FromMinutes(2));
        await tracker.StopAsync(CancellationToken.None);

        Assert.Equal((0, CaseStates.Open), (before, stateBefore));
        Assert.Equal(AlertKinds.RectificationOverdue, Assert.Single(raised).Alert.Kind);
        Assert.Equal(CaseStates.Overdue, (await store.QueryCasesAsync(new CaseQuery(), CancellationToken.None)).Items.Single().State);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }
}
