using System.Text;
using EdgeGateway.Core.Alerts;

namespace EdgeGateway.Core.Tests;

[Trait("Category", "Unit")]
public sealed class AlertJsonTests
{
    [Fact]
    public void Json_rendering_is_readable_and_round_trips()
    {
        var alert = AlertCborTests.TypicalAlert() with { SnapshotRef = "snapshot/1" };

        var json = AlertJson.Render(alert);
        var decoded = AlertJson.Decode(Encoding.UTF8.GetBytes(json));

        Assert.Contains("\"kind\":\"no_mask\"", json, StringComparison.Ordinal);
        Assert.Contains("\"state\":\"raised\"", json, StringComparison.Ordinal);
        Assert.Contains($"\"id\":\"{alert.Id}\"", json, StringComparison.Ordinal);
        Assert.True(decoded.Success, decoded.Error);
        Assert.Equal(alert, decoded.Alert);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("{\"v\":1}")]
    [InlineData("{\"v\":1,\"id\":\"nope\"}")]
    [InlineData("{\"v\":1,\"id\":\"0193a0c0-0000-7000-8000-000000000001\",\"device\":\"d\",\"site\":\"s\",\"seq\":\"x\"}")]
    [InlineData("{\"v\":9,\"id\":\"0193a0c0-0000-7000-8000-000000000001\"}")]
    [InlineData("{\"v\":1,\"id\":\"0193a0c0-0000-7000-8000-000000000001\",\"device\":\"d\",\"site\":\"s\",\"seq\":1,\"kind\":\"k\",\"severity\":\"loud\",\"state\":\"raised\",\"ts\":1}")]
    public void Bad_json_gives_a_one_line_error(string payload)
    {
        var result = AlertJson.Decode(Encoding.UTF8.GetBytes(payload));

        Assert.False(result.Success);
        Assert.False(string.IsNullOrWhiteSpace(result.Error));
        Assert.DoesNotContain('\n', result.Error);
    }
}
