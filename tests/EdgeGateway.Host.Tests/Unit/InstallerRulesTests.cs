using EdgeGateway.Host.Setup;
using Microsoft.Extensions.Configuration;

namespace EdgeGateway.Host.Tests.Unit;

/// <summary>
/// One owner per field: what the installer's prompts refuse, run refuses with the same words, and what run takes the
/// installer takes (zone names, camera ids, device names, encodings, boards).
/// </summary>
[Trait("Category", "Unit")]
public sealed class InstallerRulesTests
{
    [Theory]
    [InlineData("Cameras:0:Id", "car 1")]
    [InlineData("Cameras:0:Id", "")]
    [InlineData("Cameras:0:Zones:0:Name", "")]
    [InlineData("Device:Id", "Kitchen 42")]
    public void A_value_the_installer_refuses_run_refuses_with_the_same_words(string key, string value)
    {
        var installer = key switch
        {
            "Cameras:0:Id" => GatewaySettingsValidator.CameraId(value),
            "Cameras:0:Zones:0:Name" => GatewaySettingsValidator.Name(value),
            _ => GatewaySettingsValidator.DeviceName(value),
        };

        Assert.NotNull(installer);
        Assert.Equal($"{key} = '{value}': {installer}", RunLine(key, value));
    }

    [Theory]
    [InlineData("Cameras:0:Zones:0:Name", "Prep Area")]
    [InlineData("Cameras:0:Zones:0:Name", "p")]
    [InlineData("Uplink:Encoding", "CBOR")]
    [InlineData("Elevator:Board", "simulated")]
    public void A_value_run_takes_the_installer_takes(string key, string value)
    {
        Assert.Null(RunLine(key, value));
        var installer = key switch
        {
            "Cameras:0:Zones:0:Name" => GatewaySettingsValidator.Name(value),
            "Elevator:Board" => GatewaySettingsValidator.Board(value, new InstallCatalog([], ["rpi4", "rpi5"])),
            _ => null,
        };
        Assert.Null(installer);
    }

    [Fact]
    public void Doctor_knows_the_simulated_board_by_the_name_the_wiring_uses_only()
    {
        Assert.NotNull(RunLine("Elevator:Board", "sim"));
        Assert.NotNull(GatewaySettingsValidator.Board("sim", new InstallCatalog([], ["rpi4", "rpi5"])));
    }

    /// <summary>Run's line about <paramref name="key"/> for a box with one camera (one zone) and the simulated board.</summary>
    private static string? RunLine(string key, string value)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Device:Id"] = "lift-1",
            ["Device:Site"] = "site-1",
            ["Storage:DataDir"] = Path.Combine(Path.GetTempPath(), "edgegw-installer-rules"),
            ["Cameras:0:Id"] = "k1",
            ["Cameras:0:Url"] = "rtsp://127.0.0.1:8554/k1",
            ["Cameras:0:Role"] = "kitchen",
            ["Cameras:0:Model"] = "yolox-nano-coco80",
            ["Cameras:0:Zones:0:Name"] = "prep",
            ["Cameras:0:Zones:0:Points:0:0"] = "0", ["Cameras:0:Zones:0:Points:0:1"] = "0",
            ["Cameras:0:Zones:0:Points:1:0"] = "1", ["Cameras:0:Zones:0:Points:1:1"] = "0",
            ["Cameras:0:Zones:0:Points:2:0"] = "1", ["Cameras:0:Zones:0:Points:2:1"] = "1",
            ["Elevator:Board"] = "simulated",
            [key] = value,
        };
        var lines = StartupValidation.Problems(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        return lines.SingleOrDefault(l => l.StartsWith($"{key} =", StringComparison.Ordinal) || l.StartsWith($"{key}:", StringComparison.Ordinal));
    }
}
