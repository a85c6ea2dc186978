using EdgeGateway.Supervision.Health;
using EdgeGateway.Supervision.Progress;
using Microsoft.Extensions.Time.Testing;

namespace EdgeGateway.Supervision.Tests;

[Trait("Category", "Unit")]
public sealed class ProgressRegistryTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void A_part_that_beats_within_its_deadline_is_not_stalled()
    {
        var registry = new ProgressRegistry(_time);
        using var sampler = registry.Register("elevator sampler", TimeSpan.FromSeconds(10));
        for (var i = 0; i < 10; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(9));
            sampler.Beat();
            Assert.Null(registry.FindStall());
        }
    }

    [Fact]
    public void A_part_past_its_own_deadline_is_the_stall_with_how_long_it_has_been_quiet()
    {
        var registry = new ProgressRegistry(_time);
        using var writer = registry.Register("outbox writer", TimeSpan.FromSeconds(30));
        using var sampler = registry.Register("elevator sampler", TimeSpan.FromSeconds(10));
        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.Null(registry.FindStall());

        _time.Advance(TimeSpan.FromSeconds(1));
        writer.Beat();
        var stall = registry.FindStall();
        Assert.NotNull(stall);
        Assert.Equal("elevator sampler", stall.Part);
        Assert.Equal(TimeSpan.FromSeconds(11), stall.SinceLastBeat);

        sampler.Beat();
        Assert.Null(registry.FindStall());
    }

    [Fact]
    public void Of_two_stalled_parts_the_one_furthest_past_its_deadline_is_named()
    {
        var registry = new ProgressRegistry(_time);
        using var camera = registry.Register("camera k1", TimeSpan.FromSeconds(30));
        using var sampler = registry.Register("elevator sampler", TimeSpan.FromSeconds(10));
        _time.Advance(TimeSpan.FromSeconds(35));
        Assert.Equal("elevator sampler", registry.FindStall()!.Part);
    }

    [Fact]
    public void A_part_that_stopped_on_purpose_is_no_longer_watched()
    {
        var registry = new ProgressRegistry(_time);
        var camera = registry.Register("camera k1", TimeSpan.FromSeconds(30));
        camera.Dispose();
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Null(registry.FindStall());
        Assert.Empty(registry.Snapshot());
    }

    [Fact]
    public void Liveness_fails_on_a_stalled_part_and_names_it()
    {
        var registry = new ProgressRegistry(_time);
        using var uplink = registry.Register("uplink loop", TimeSpan.FromSeconds(30));
        Assert.True(Liveness.Check(registry).Ok);

        _time.Advance(TimeSpan.FromSeconds(31));
        var report = Liveness.Check(registry);
        Assert.Equal("fail", report.Status);
        var check = Assert.Single(report.Checks, c => !c.Ok);
        Assert.Equal("uplink loop", check.Name);
        Assert.Contains("31.0 s ago", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void The_idle_interval_is_well_inside_the_deadline()
    {
        var registry = new ProgressRegistry(_time);
        using var part = registry.Register("outbox writer", TimeSpan.FromSeconds(30));
        Assert.Equal(TimeSpan.FromSeconds(7.5), part.IdleInterval);
    }
}
