using System.Text;
using System.Text.Json.Nodes;
using EdgeGateway.Contracts;
using EdgeGateway.Contracts.Fleet;

namespace EdgeGateway.Core.Tests;

/// <summary>The fleet's wire contract: targets, the merge both programs use, the forbidden keys and the two messages.</summary>
[Trait("Category", "Unit")]
public sealed class FleetContractTests
{
    private static JsonObject Json(string text) => (JsonObject)JsonNode.Parse(text)!;

    [Theory]
    [InlineData("all", "all")]
    [InlineData("site:sh-01", "site:sh-01")]
    [InlineData("device:sh-01/box.2", "device:sh-01/box.2")]
    public void Targets_parse_and_print_the_same(string text, string printed)
    {
        Assert.True(FleetTarget.TryParse(text, out var target, out var problem), problem);
        Assert.Equal(printed, target.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("ALL")]
    [InlineData("site:")]
    [InlineData("site:a/b")]
    [InlineData("device:onlysite")]
    [InlineData("device:a/b/c")]
    [InlineData("device:a/+")]
    public void A_bad_target_is_one_line_naming_it(string text)
    {
        Assert.False(FleetTarget.TryParse(text, out _, out var problem));
        Assert.Contains($"'{text}'", problem);
        Assert.Contains("'all', 'site:<site>' or 'device:<site>/<device>'", problem);
        Assert.DoesNotContain('\n', problem!);
    }

    [Fact]
    public void Merge_follows_rfc_7396_objects_merge_arrays_replace_null_removes()
    {
        var merged = MergePatch.Merge([
            Json("""{"Vision":{"TimeZone":"Asia/Shanghai","SnapshotMaxWidth":640},"Cameras":[{"Id":"a"},{"Id":"b"}],"Evidence":{"PreRoll":"00:00:05"}}"""),
            Json("""{"Vision":{"SnapshotMaxWidth":320},"Cameras":[{"Id":"c"}]}"""),
            Json("""{"Evidence":null,"Vision":{"TimeZone":null}}"""),
        ]);

        Assert.Equal("""{"Vision":{"SnapshotMaxWidth":320},"Cameras":[{"Id":"c"}]}""", merged.ToJsonString());
    }

    [Fact]
    public void Merge_matches_names_without_case_as_the_configuration_does_and_keeps_the_files_spelling()
    {
        var merged = MergePatch.Apply(Json("""{"Cameras":[{"Id":"a"}],"Vision":{"TimeZone":"UTC"}}"""), Json("""{"cameras":[],"vision":{"timezone":"Asia/Shanghai"}}"""));

        Assert.Equal("""{"Cameras":[],"Vision":{"TimeZone":"Asia/Shanghai"}}""", merged!.ToJsonString());
    }

    [Fact]
    public void Merge_changes_neither_input()
    {
        var target = Json("""{"A":{"B":1}}""");
        var patch = Json("""{"A":{"C":2}}""");

        MergePatch.Apply(target, patch);

        Assert.Equal("""{"A":{"B":1}}""", target.ToJsonString());
        Assert.Equal("""{"A":{"C":2}}""", patch.ToJsonString());
    }

    [Fact]
    public void Forbidden_keys_are_named_one_line_each_whatever_their_case_and_allowed_ones_pass()
    {
        var lines = FleetKeys.Problems(Json("""
            {"device":{"Id":"x"},"Uplink":{"KeepAliveSeconds":10,"PASSWORD":"p","Broker":null},"Diagnostics":{"TimeZone":"UTC","Url":"http://0.0.0.0:1"},
             "Fleet":{"HealthWatch":"00:00:01"},"Cameras":[{"Id":"a","Url":"rtsp://cam/1"}],"Evidence":{"KeyFile":"/tmp/k"}}
            """));

        Assert.Equal(
            [
                "fleet key 'device' is refused; it can only be set in the box's own config file",
                "fleet key 'Uplink:PASSWORD' is refused; it can only be set in the box's own config file",
                "fleet key 'Uplink:Broker' is refused; it can only be set in the box's own config file",
                "fleet key 'Diagnostics:Url' is refused; it can only be set in the box's own config file",
                "fleet key 'Fleet' is refused; it can only be set in the box's own config file",
                "fleet key 'Evidence:KeyFile' is refused; it can only be set in the box's own config file",
            ],
            lines);
        Assert.Empty(FleetKeys.Problems(Json("""{"Uplink":{"KeepAliveSeconds":10},"Vision":{"TimeZone":"UTC"},"Elevator":{"TrappedAfter":"00:02:00"}}""")));
    }

    [Fact]
    public void A_desired_document_round_trips_and_its_hash_is_of_the_document()
    {
        var desired = DesiredConfig.Of(7, Json("""{"Vision":{"TimeZone":"UTC"}}"""));

        Assert.True(DesiredConfig.TryDecode(desired.Encode(), out var decoded, out var problem), problem);
        Assert.Equal(7, decoded!.Version);
        Assert.Equal(desired.Sha256, decoded.Sha256);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("""{"Vision":{"TimeZone":"UTC"}}"""u8)), decoded.Sha256);
        Assert.Equal(desired.Document.ToJsonString(), decoded.Document.ToJsonString());
    }

    [Theory]
    [InlineData("""not json""", "not JSON")]
    [InlineData("""{"version":0,"sha256":"00","document":{}}""", "expected {\"version\": <positive number>")]
    [InlineData("""{"version":3,"sha256":"00","document":{}}""", "version 3 is refused; its sha256 '00' does not match its document")]
    [InlineData("""{"version":3,"sha256":"00","document":[]}""", "expected {\"version\"")]
    public void A_bad_desired_message_is_one_line_saying_what_is_wrong(string payload, string expected)
    {
        Assert.False(DesiredConfig.TryDecode(Encoding.UTF8.GetBytes(payload), out _, out var problem));
        Assert.Contains(expected, problem);
    }

    [Fact]
    public void A_report_round_trips_and_an_unknown_status_is_refused()
    {
        var report = new ConfigReport(4, "ab", FleetConfigStatus.RolledBack, ["camera 'prep-1' analysed 0.0 fps"], [new FleetGate("camera prep-1", false, "0.0 fps of 2.5")], 1234);

        Assert.True(ConfigReport.TryDecode(report.Encode(), out var decoded, out var problem), problem);
        Assert.Equal(report.Status, decoded!.Status);
        Assert.Equal(report.Lines, decoded.Lines);
        Assert.Equal(report.Gates, decoded.Gates);
        Assert.False(ConfigReport.TryDecode("""{"version":1,"sha256":"","status":"fine","time":1}"""u8, out _, out problem));
        Assert.Contains("status 'fine' is refused; expected one of applied, pending, deferred, invalid, rolled_back", problem);
    }

    [Fact]
    public void Config_topics_format_and_parse_as_their_channels()
    {
        Assert.Equal("edge/s/d/config/desired", EdgeTopic.Format("edge", "s", "d", EdgeChannel.ConfigDesired));
        Assert.True(EdgeTopic.TryParse("edge", "edge/s/d/config/reported", out var reported));
        Assert.Equal(EdgeChannel.ConfigReported, reported.Channel);
        Assert.True(EdgeTopic.TryParse("edge", "edge/s/d/config/other", out var other));
        Assert.Equal(EdgeChannel.Other, other.Channel);
    }
}
