using EdgeGateway.Core.Alerts;
using EdgeGateway.Core.Vision;
using EdgeGateway.Vision.Configuration;
using EdgeGateway.Vision.Rules;

namespace EdgeGateway.Vision.Tests;

[Trait("Category", "Unit")]
public sealed class RuleEvaluatorTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);
    private static readonly BoxF Left = new(100, 100, 200, 250);
    private static readonly BoxF Right = new(600, 100, 700, 250);
    private readonly List<ViolationEvent> _events = [];

    private static RuleEvaluator Rule(Action<RuleOptions>? configure = null, IReadOnlyList<ZoneOptions>? zones = null)
    {
        var rule = new RuleOptions { Kind = "no_mask", Labels = ["no_mask"], Hits = 3, WindowSeconds = 2, ClearSeconds = 5, CooldownSeconds = 30 };
        configure?.Invoke(rule);
        return new RuleEvaluator("cam", rule, zones ?? [], 0.5f, TimeZoneInfo.Utc);
    }

    private static Detection D(string label, BoxF box, float score = 0.9f) => new(label, 0, score, box);

    /// <summary>Feeds one frame every 200 ms from <paramref name="from"/> seconds to <paramref name="to"/> seconds.</summary>
    private void Feed(RuleEvaluator rule, double from, double to, params Detection[] detections)
    {
        for (var t = from; t < to - 1e-9; t += 0.2)
        {
            rule.Observe(T0.AddSeconds(t), detections, 800, 600, _events);
        }
    }

    [Fact]
    public void A_single_frame_never_raises_but_k_hits_within_the_window_raise_once()
    {
        var rule = Rule();

        Feed(rule, 0, 0.2, D("no_mask", Left));
        Feed(rule, 3, 3.2);
        Assert.Empty(_events);

        Feed(rule, 10, 14, D("no_mask", Left));

        var raised = Assert.Single(_events);
        Assert.Equal(AlertState.Raised, raised.State);
        Assert.Equal("no_mask", raised.Kind);
        Assert.Equal("cam", raised.CameraId);
    }

    [Fact]
    public void A_handed_over_violation_is_not_raised_again_by_the_successor_and_clears_once_on_its_new_timing()
    {
        var old = Rule();
        Feed(old, 0, 2, D("no_mask", Left), D("no_mask", Right));
        Assert.Equal(2, _events.Count(e => e.State == AlertState.Raised));
        _events.Clear();

        var successor = Rule(r => r.ClearSeconds = 2);
        successor.TakeOver(old.HandOver());
        Feed(successor, 2, 6, D("no_mask", Left), D("no_mask", Right));
        Assert.Empty(_events);
        Assert.Equal(0, old.ActiveCount);
        Assert.Equal(2, successor.ActiveCount);

        // Right is last seen at 5.8 s and clears 2 s later (the new timing, not the old 5 s); Left goes on.
        Feed(successor, 6, 9, D("no_mask", Left));
        var right = Assert.Single(_events);
        Assert.Equal((AlertState.Cleared, Right), (right.State, right.Detection.Box));

        Feed(successor, 9, 12);
        Assert.Equal([AlertState.Cleared, AlertState.Cleared], _events.Select(e => e.State));
        Assert.Equal(Left, _events[1].Detection.Box);
    }

    [Fact]
    public void Clearing_all_at_once_publishes_one_clear_per_raised_violation()
    {
        var rule = Rule();
        Feed(rule, 0, 2, D("no_mask", Left), D("no_mask", Right));
        _events.Clear();

        rule.ClearAll(_events);
        rule.ClearAll(_events);

        Assert.Equal(2, _events.Count);
        Assert.All(_events, e => Assert.Equal(AlertState.Cleared, e.State));
        Assert.Equal(0, rule.ActiveCount);
    }

    [Theory]
    [InlineData(33.0, true)]
    [InlineData(32.8, false)]
    public void The_car_cameras_ebike_rule_raises_when_seen_two_of_the_last_five_seconds_and_clears_seven_seconds_later(double glimpseEnds, bool raises)
    {
        // The one owner of ebike_in_car: the default rule of a car camera analysing 5 frames a second.
        var car = new CameraOptions { Id = "car", Role = CameraRoles.Car, AnalysisFps = 5 };
        var ebike = Assert.Single(DefaultRules.For(car, ["bicycle", "motorcycle", "person"]));
        var rule = new RuleEvaluator("car", ebike, [], 0.5f, TimeZoneInfo.Utc);

        var at = new List<double>();
        for (var frame = 0; frame < 45 * 5; frame++)
        {
            var t = frame / 5.0;
            var seen = t is >= 30 and < 31 - 1e-9 || (t >= 32 - 1e-9 && t < glimpseEnds - 1e-9);
            rule.Observe(T0.AddSeconds(t), [seen ? D(t < 31 ? "bicycle" : "motorcycle", Left) : D("person", Left)], 800, 600, _events);
            at.AddRange(Enumerable.Repeat(t, _events.Count - at.Count));
        }

        if (!raises)
        {
            Assert.Empty(_events);
            return;
        }

        Assert.Equal([AlertState.Raised, AlertState.Cleared], _events.Select(e => e.State));
        Assert.Equal(AlertKinds.EbikeInCar, _events[0].Kind);
        Assert.Equal(32.8, at[0], 3);
        Assert.InRange(at[1], 32.8 + 7 - 0.01, 32.8 + 7 + 0.21);
    }

    [Fact]
    public void Hits_spread_wider_than_the_window_do_not_raise()
    {
        var rule = Rule();
        for (var t = 0; t < 20; t += 3)
        {
            rule.Observe(T0.AddSeconds(t), [D("no_mask", Left)], 800, 600, _events);
        }

        Assert.Empty(_events);
    }

    [Fact]
    public void A_violation_clears_once_after_being_absent_for_the_clear_time_and_ticks_alone_clear_it()
    {
        var rule = Rule();
        Feed(rule, 0, 2, D("no_mask", Left));
        Assert.Single(_events);

        Feed(rule, 2, 6.8);
        Assert.Single(_events);

        rule.Tick(T0.AddSeconds(7.2), _events);
        rule.Tick(T0.AddSeconds(30), _events);

        Assert.Equal([AlertState.Raised, AlertState.Cleared], _events.Select(e => e.State));
        Assert.Equal(0, rule.ActiveCount);
    }

    [Fact]
    public void Two_objects_raise_separately_but_two_labels_on_one_object_raise_once()
    {
        var bare = Rule();
        Feed(bare, 0, 2, D("no_mask", Left), D("no_mask", Right));
        Assert.Equal(2, _events.Count);
        Assert.NotEqual(_events[0].ObjectId, _events[1].ObjectId);

        _events.Clear();
        var bikes = Rule(r => { r.Kind = "ebike_in_car"; r.Labels = ["bicycle", "motorcycle"]; });
        Feed(bikes, 0, 2, D("bicycle", Left, 0.8f), D("motorcycle", new BoxF(105, 100, 205, 255), 0.6f));
        var raised = Assert.Single(_events);
        Assert.Equal("bicycle", raised.Detection.Label);
    }

    [Fact]
    public void Cooldown_stops_the_same_object_from_flapping_but_not_a_different_one()
    {
        var rule = Rule();
        Feed(rule, 0, 2, D("no_mask", Left));
        Feed(rule, 2, 8);
        Assert.Equal(2, _events.Count);

        Feed(rule, 8, 12, D("no_mask", Left), D("no_mask", Right));

        var third = Assert.Single(_events.Skip(2));
        Assert.Equal(AlertState.Raised, third.State);
        Assert.Equal(Right, third.Detection.Box);
    }

    [Fact]
    public void Low_scores_other_labels_and_sightings_outside_the_zones_are_ignored()
    {
        var zones = new List<ZoneOptions> { new() { Name = "prep", Points = [[0, 0], [0.5, 0], [0.5, 1], [0, 1]] } };
        var rule = Rule(r => { r.Zones = ["prep"]; r.MinScore = 0.7f; }, zones);

        Feed(rule, 0, 3, D("no_mask", Left, 0.6f), D("mask", Left), D("no_mask", Right));
        Assert.Empty(_events);

        Feed(rule, 3, 5, D("no_mask", Left, 0.8f));
        var raised = Assert.Single(_events);
        Assert.Equal("prep", raised.Zone);
    }

    [Fact]
    public void Active_hours_limit_a_person_after_hours_rule_to_its_window()
    {
        var rule = Rule(r => { r.Kind = "person_after_hours"; r.Labels = ["person"]; r.ActiveHours = "22:00-06:00"; });
        var noon = T0;
        for (var t = 0.0; t < 3; t += 0.2)
        {
            rule.Observe(noon.AddSeconds(t), [D("person", Left)], 800, 600, _events);
        }

        Assert.Empty(_events);

        var night = new DateTimeOffset(2026, 11, 28, 23, 30, 0, TimeSpan.Zero);
        for (var t = 0.0; t < 3; t += 0.2)
        {
            rule.Observe(night.AddSeconds(t), [D("person", Left)], 800, 600, _events);
        }

        Assert.Equal("person_after_hours", Assert.Single(_events).Kind);
    }

    [Fact]
    public void Per_camera_rules_treat_everything_as_one_violation()
    {
        var rule = Rule(r => r.PerObject = false);

        Feed(rule, 0, 2, D("no_mask", Left), D("no_mask", Right));

        Assert.Single(_events);
    }
}
