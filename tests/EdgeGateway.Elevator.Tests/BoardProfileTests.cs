using EdgeGateway.Elevator.Hardware;
using EdgeGateway.Testing;

namespace EdgeGateway.Elevator.Tests;

[Trait("Category", "Unit")]
public sealed class BoardProfileTests
{
    private static string ProfilePath(string name) => Path.Combine(RepoPaths.Root, "hardware", "profiles", name);

    [Theory]
    [InlineData("rpi4.json", "rpi4")]
    [InlineData("rpi5.json", "rpi5")]
    [InlineData("simulated.json", "simulated")]
    public void Shipped_profiles_load_with_every_input_and_output(string file, string board)
    {
        var profile = BoardProfileLoader.Load(ProfilePath(file));

        Assert.Equal(board, profile.Board);
        Assert.Equal(BoardProfile.RequiredInputs.Concat(BoardProfile.OptionalInputs).Order(), profile.Inputs.Keys.Order());
        Assert.True(profile.HasDoorCommands);
        Assert.Equal(BoardProfile.RequiredOutputs.Order(), profile.Outputs.Keys.Order());
        Assert.Equal(0x68, profile.Accelerometer.Address);
        Assert.Equal(0x76, profile.Barometer.Address);
        var pins = profile.Inputs.Values.Select(p => p.Pin).Concat(profile.Outputs.Values.Select(p => p.Pin)).ToList();
        Assert.Equal(pins.Count, pins.Distinct().Count());
        Assert.True(File.Exists(ProfilePath(board == "simulated" ? "rpi4-wiring.md" : $"{board}-wiring.md")));
    }

    [Fact]
    public void A_pin_named_twice_is_one_clear_line_naming_both_uses()
    {
        var json = File.ReadAllText(ProfilePath("rpi4.json")).Replace("\"pin\": 27,", "\"pin\": 17,", StringComparison.Ordinal);

        var ex = Assert.Throws<BoardProfileException>(() => BoardProfileLoader.Parse(json, "rpi4.json"));

        var problem = Assert.Single(ex.Problems);
        Assert.Equal("board profile rpi4.json: inputs.door_zone.pin = 17: expected a pin of its own; GPIO 17 is already used by inputs.door_closed", problem);
    }

    [Fact]
    public void An_output_on_an_input_pin_is_caught_too()
    {
        var json = File.ReadAllText(ProfilePath("rpi5.json")).Replace("\"pin\": 13,", "\"pin\": 25,", StringComparison.Ordinal);

        var ex = Assert.Throws<BoardProfileException>(() => BoardProfileLoader.Parse(json, "rpi5.json"));

        Assert.Contains("outputs.voice_trigger.pin = 25", Assert.Single(ex.Problems), StringComparison.Ordinal);
        Assert.Contains("inputs.presence", ex.Problems[0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{ \"board\": \"x\", ", "not valid JSON")]
    [InlineData("[]", "(root) = Array: expected an object")]
    [InlineData("""{"board":"x","inputs":{},"outputs":{},"i2c":{}}""", "inputs.door_closed = (missing): expected an object")]
    public void Malformed_profiles_are_clear_errors(string json, string expected)
    {
        var ex = Assert.Throws<BoardProfileException>(() => BoardProfileLoader.Parse(json, "bad.json"));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.All(ex.Problems, p => Assert.StartsWith("board profile bad.json: ", p, StringComparison.Ordinal));
        Assert.All(ex.Problems, p => Assert.DoesNotContain('\n', p));
    }

    [Theory]
    [InlineData("\"pin\": 17,", "\"pin\": 2,", "inputs.door_closed.pin = 2: expected a BCM GPIO from 4 to 27")]
    [InlineData("\"pin\": 17,", "\"pin\": \"17\",", "inputs.door_closed.pin = \"17\": expected a BCM GPIO number")]
    [InlineData("\"debounce_ms\": 30 }", "\"debounce_ms\": -1 }", "inputs.door_zone.debounce_ms = -1: expected milliseconds from 0 to 1000")]
    [InlineData("\"active_low\": false, \"debounce_ms\": 100,", "\"active_low\": \"no\", \"debounce_ms\": 100,", "inputs.presence.active_low = \"no\": expected true or false")]
    [InlineData("\"address\": \"0x76\"", "\"address\": \"0x99\"", "i2c.barometer.address = \"0x99\": expected a 7-bit I2C address")]
    [InlineData("\"chip\": \"bmp280\"", "\"chip\": \"bme680\"", "i2c.barometer.chip = \"bme680\": expected \"bmp280\"")]
    [InlineData("\"door_lock\":", "\"door_lok\":", "inputs.door_lok: unknown signal")]
    public void Each_bad_value_is_reported_with_key_value_and_expectation(string find, string replace, string expected)
    {
        var original = File.ReadAllText(ProfilePath("rpi4.json"));
        var index = original.IndexOf(find, StringComparison.Ordinal);
        Assert.True(index >= 0, find);
        var json = original[..index] + replace + original[(index + find.Length)..];

        var ex = Assert.Throws<BoardProfileException>(() => BoardProfileLoader.Parse(json, "rpi4.json"));

        Assert.Contains(ex.Problems, p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void A_board_without_door_commands_loads_and_says_so_but_a_missing_mode_switch_is_an_error()
    {
        var original = File.ReadAllText(ProfilePath("rpi4.json"));
        var withoutCommands = string.Join('\n', original.Split('\n').Where(l => !l.Contains("_cmd\"", StringComparison.Ordinal)))
            .Replace("\"debounce_ms\": 50 },\n  }", "\"debounce_ms\": 50 }\n  }", StringComparison.Ordinal);

        var profile = BoardProfileLoader.Parse(withoutCommands, "rpi4.json");
        Assert.False(profile.HasDoorCommands);
        Assert.Equal(BoardProfile.RequiredInputs.Order(), profile.Inputs.Keys.Order());

        var withoutFire = string.Join('\n', original.Split('\n').Where(l => !l.Contains("\"fire_mode\"", StringComparison.Ordinal)));
        var ex = Assert.Throws<BoardProfileException>(() => BoardProfileLoader.Parse(withoutFire, "rpi4.json"));
        Assert.Equal("board profile rpi4.json: inputs.fire_mode = (missing): expected an object { \"pin\": <BCM number>, \"active_low\": true|false, \"debounce_ms\": <ms> }",
            Assert.Single(ex.Problems));
    }

    [Fact]
    public void Missing_file_is_a_one_line_error()
    {
        var ex = Assert.Throws<BoardProfileException>(() => BoardProfileLoader.Load("/nonexistent/rpi9.json"));

        var line = Assert.Single(ex.Problems);
        Assert.StartsWith("board profile /nonexistent/rpi9.json: cannot read", line, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);
        Assert.DoesNotContain('\r', ex.Message);
    }
}
