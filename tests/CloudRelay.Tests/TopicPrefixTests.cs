using MQTTnet;

namespace CloudRelay.Tests;

/// <summary>The relay reads topics with the same contract type the box writes them with, prefix included.</summary>
[Trait("Category", "Integration")]
public sealed class TopicPrefixTests
{
    [Fact]
    public async Task A_box_with_its_own_topic_prefix_is_served_by_a_relay_with_the_same_prefix()
    {
        await using var relay = await RelayTestHost.StartAsync(settings: new Dictionary<string, string?> { ["Mqtt:TopicPrefix"] = "kitchens" });
        var client = await relay.ConnectAsync(await relay.AddDeviceAsync("s1", "box-1"));
        var alert = TestAlerts.Make("s1", "box-1");

        var prefixed = await client.PublishAsync(EdgeTopic.Format("kitchens", "s1", "box-1", EdgeChannel.Alert), AlertCbor.Encode(alert));
        var defaultPrefix = await client.PublishAsync(EdgeTopic.Format(EdgeTopic.DefaultPrefix, "s1", "box-1", EdgeChannel.Alert), AlertCbor.Encode(TestAlerts.Make("s1", "box-1")));

        Assert.Equal(MqttClientPublishReasonCode.Success, prefixed.ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, defaultPrefix.ReasonCode);
        Assert.NotNull(await relay.Store.FindAlertAsync(alert.Id, CancellationToken.None));
    }

    [Fact]
    public async Task A_bad_topic_prefix_fails_at_start_with_one_line_naming_the_key()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => RelayTestHost.StartAsync(settings: new Dictionary<string, string?> { ["Mqtt:TopicPrefix"] = "a/b" }));

        Assert.Contains("Relay:Mqtt:TopicPrefix 'a/b' is invalid; expected one topic level", error.Message, StringComparison.Ordinal);
    }
}
