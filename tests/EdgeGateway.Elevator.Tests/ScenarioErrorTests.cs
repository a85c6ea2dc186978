using EdgeGateway.Elevator.Replay;

namespace EdgeGateway.Elevator.Tests;

[Trait("Category", "Unit")]
public sealed class ScenarioErrorTests
{
    [Theory]
    [InlineData("""{"t":1,"door_closed":"yes"}""", "scenario line 2: \"door_closed\" must be true or false")]
    [InlineData("""{"t":1,"door_closd":true}""", "scenario line 2: unknown signal \"door_closd\"")]
    [InlineData("""{"door_closed":true}""", "scenario line 2: missing \"t\"")]
    [InlineData("""{"t":0.5}""", "scenario line 2: \"t\" goes back in time")]
    [InlineData("""{"t":1,"floor":2.5}""", "scenario line 2: \"floor\" must be an integer")]
    [InlineData("""{"t":1,"speed_mps":"fast"}""", "scenario line 2: \"speed_mps\" must be a signed number")]
    [InlineData("""{"t":1,""", "scenario line 2: not valid JSON")]
    [InlineData("""{"t":1,"vibration_mps2":-0.2}""", "scenario line 2: \"vibration_mps2\" must be an RMS acceleration in m/s² from 0 to 100, got -0.2")]
    [InlineData("""{"t":1,"inspection_mode":1}""", "scenario line 2: \"inspection_mode\" must be true or false, got 1")]
    [InlineData("""[1,2]""", "scenario line 2: expected one JSON object per line")]
    [InlineData("""{"config":{"floors":3}}""", "scenario line 2: \"config\" is only allowed on the first line")]
    [InlineData("""{"t":1,"ebike_seen":true}""", "scenario line 2: \"ebike_seen\" is not a signal: the car camera's vision rule raises ebike_in_car")]
    public void Malformed_line_names_its_number(string badLine, string expected)
    {
        var ex = Assert.Throws<ScenarioException>(() => ScenarioRun.Lines("""{"t":1}""", badLine, """{"t":9}"""));

        Assert.StartsWith(expected, ex.Message, StringComparison.Ordinal);
        Assert.Equal(2, ex.LineNumber);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Theory]
    [InlineData("""{"config":{"flors":3}}""", "unknown config key \"flors\"")]
    [InlineData("""{"config":{"floors":1}}""", "Elevator:Floors = '1': expected a floor count from 2 to 200")]
    [InlineData("""{"config":{"trapped_after_s":"soon"}}""", "config \"trapped_after_s\" = \"soon\": expected seconds")]
    [InlineData("""{"config":{"suppressed_in_modes":"trapped"}}""", "config \"suppressed_in_modes\" = \"trapped\": expected an array of strings")]
    [InlineData("""{"config":{"suppressed_in_modes":["trapt"]}}""", "Elevator:SuppressedInModes:0 = 'trapt': expected an elevator fault kind")]
    public void Bad_config_line_is_a_clear_error(string configLine, string expected)
    {
        var ex = Assert.Throws<ScenarioException>(() => ScenarioRun.Lines(configLine, """{"t":1}"""));

        Assert.StartsWith("scenario line 1: ", ex.Message, StringComparison.Ordinal);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }
}
