using CloudRelay.Ingest;
using EdgeGateway.Contracts;

namespace CloudRelay.Tests;

/// <summary>
/// Both broker heads take the same channels: the shared subscriber subscribes to the router's channels with the
/// contract's filters, and every topic the box publishes on such a channel matches its filter and parses to it.
/// </summary>
[Trait("Category", "Unit")]
public sealed class MessageRouterTests
{
    public static TheoryData<EdgeChannel> RoutedChannels => [.. MessageRouter.Channels];

    [Theory]
    [MemberData(nameof(RoutedChannels))]
    public void A_topic_the_box_publishes_matches_the_filter_of_its_channel_and_no_other(EdgeChannel channel)
    {
        var topic = EdgeTopic.Format("edge", "site-1", "lift-7", channel, Guid.CreateVersion7());

        Assert.True(EdgeTopic.TryParse("edge", topic, out var parsed));
        Assert.Equal(channel, parsed.Channel);
        Assert.Equal([channel], MessageRouter.Channels.Where(c => Matches(EdgeTopic.FilterFor("edge", c), topic)));
    }

    [Fact]
    public void Every_channel_the_box_sends_an_alert_its_evidence_its_config_report_or_its_health_on_is_routed()
    {
        Assert.Equal(
            [EdgeChannel.Alert, EdgeChannel.State, EdgeChannel.Status, EdgeChannel.Telemetry, EdgeChannel.Snapshot, EdgeChannel.Clip, EdgeChannel.Evidence,
             EdgeChannel.ConfigReported, EdgeChannel.Health],
            MessageRouter.Channels);
        Assert.DoesNotContain(EdgeChannel.Other, MessageRouter.Channels);
        // The relay writes config/desired; it never takes it from a device.
        Assert.DoesNotContain(EdgeChannel.ConfigDesired, MessageRouter.Channels);
    }

    /// <summary>MQTT filter matching with '+' (one level), as a broker does it.</summary>
    private static bool Matches(string filter, string topic)
    {
        var f = filter.Split('/');
        var t = topic.Split('/');
        return f.Length == t.Length && f.Zip(t).All(p => p.First == "+" || p.First == p.Second);
    }
}
