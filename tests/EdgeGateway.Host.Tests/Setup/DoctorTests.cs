using System.Diagnostics;
using EdgeGateway.Testing;

namespace EdgeGateway.Host.Tests.Setup;

[Trait("Category", "Integration")]
public sealed class DoctorTests : IAsyncLifetime
{
    private const string DeviceUser = "xuhui-0193/kitchen-0042";
    private const string DevicePassword = "right-device-token";
    private readonly TempDir _dir = new();
    private MosquittoBroker _broker = null!;

    public async Task InitializeAsync()
    {
        _broker = await MosquittoBroker.StartAsync(start: false, allowAnonymous: false);
        await _broker.AddUserAsync(DeviceUser, DevicePassword);
        await _broker.StartAsync();
    }

    private string ModelsDir => _dir.File("models");

    /// <summary>Provisions for real, including the model fetch (copied from the shared folder into a private cache).</summary>
    private async Task<string> ProvisionAsync(string camera, string password)
    {
        var config = _dir.File("gateway.json");
        var (exit, output) = await CliRun.SetupAsync(
            "provision", "--config", config, "--non-interactive", "--force",
            "--device-id", "kitchen-0042", "--site", "xuhui-0193", "--data-dir", _dir.Path, "--models-dir", ModelsDir,
            "--camera", $"id=k1,url={camera},model=yolox-nano-coco80", "--broker", $"mqtt://127.0.0.1:{_broker.Port}",
            "--username", DeviceUser, "--password-file", _dir.Secret("uplink-password", password), "--diagnostics-password-file", _dir.Secret("technician-password", "kitchen-tech-2026"));
        Assert.True(exit == 0, output);
        return config;
    }

    [Fact]
    public async Task An_unreachable_camera_and_a_wrong_broker_password_are_both_failures_with_hints()
    {
        var deadPort = FreePort.Next();
        var config = await ProvisionAsync($"rtsp://127.0.0.1:{deadPort}/stream1", "wrong-token");

        var (exit, output) = await CliRun.SetupAsync("doctor", "--config", config);

        Assert.Equal(1, exit);
        var cameraLine = Assert.Single(output.Split('\n'), l => l.Contains("camera k1", StringComparison.Ordinal));
        Assert.Contains("FAIL", cameraLine, StringComparison.Ordinal);
        Assert.Contains($"cannot open rtsp://127.0.0.1:{deadPort}/stream1", cameraLine, StringComparison.Ordinal);
        Assert.Contains("check the camera is powered", cameraLine, StringComparison.Ordinal);
        var brokerLine = Assert.Single(output.Split('\n'), l => l.Contains("│ broker", StringComparison.Ordinal));
        Assert.Contains("FAIL", brokerLine, StringComparison.Ordinal);
        Assert.Contains($"refused user '{DeviceUser}'", brokerLine, StringComparison.Ordinal);
        Assert.Contains("re-register with `edgegw provision --claim-code", brokerLine, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-token", output, StringComparison.Ordinal);
        Assert.Contains("2 fail", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_readable_clip_and_the_right_password_pass()
    {
        var config = await ProvisionAsync(RepoPaths.SharedFile("video", "street-720p-10fps.mp4"), DevicePassword);

        var (exit, output) = await CliRun.SetupAsync("doctor", "--config", config);

        Assert.True(exit == 0, output);
        Assert.Contains("decoded a 1280x720 frame", output, StringComparison.Ordinal);
        Assert.Contains("yolox_nano.onnx, sha256 e8af074932d4", output, StringComparison.Ordinal);
        Assert.Contains($"accepted user '{DeviceUser}'", output, StringComparison.Ordinal);
        Assert.Contains("0 fail", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_config_with_a_syntax_error_names_the_line_and_still_checks_the_rest()
    {
        var config = _dir.File("broken.json");
        File.WriteAllText(config, "{\n  \"Device\": { \"Id\": \"kitchen-0042\" \n}\n");

        var (exit, output) = await CliRun.SetupAsync("doctor", "--config", config);

        Assert.Equal(1, exit);
        Assert.Contains($"config file '{config}' line", output, StringComparison.Ordinal);
        Assert.Contains("│ disk", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_elevator_board_fails_naming_the_profile_it_looked_for()
    {
        var config = _dir.File("elevator.json");
        File.WriteAllText(config, """{ "Device": { "Id": "lift-0007", "Site": "xuhui-0193" }, "Elevator": { "Board": "rpi9" } }""");

        var (exit, output) = await CliRun.SetupAsync("doctor", "--config", config);

        Assert.Equal(1, exit);
        var boardLine = Assert.Single(output.Split('\n'), l => l.Contains("│ board", StringComparison.Ordinal));
        Assert.Contains("FAIL", boardLine, StringComparison.Ordinal);
        Assert.Contains("rpi9.json: cannot read", boardLine, StringComparison.Ordinal);
        Assert.Contains("set Elevator:Board to rpi4, rpi5 or simulated", boardLine, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_config_with_secrets_readable_by_others_fails()
    {
        var config = await ProvisionAsync(RepoPaths.SharedFile("video", "street-720p-10fps.mp4"), DevicePassword);
        File.SetUnixFileMode(config, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);

        var (exit, output) = await CliRun.SetupAsync("doctor", "--config", config);

        Assert.Equal(1, exit);
        Assert.Contains($"chmod 600 {config}", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_damaged_model_fails_its_hash_with_a_hint_to_fetch_it_again()
    {
        var config = await ProvisionAsync(RepoPaths.SharedFile("video", "street-720p-10fps.mp4"), DevicePassword);
        var weights = Path.Combine(ModelsDir, "yolox-nano-coco80", "yolox_nano.onnx");
        await using (var file = new FileStream(weights, FileMode.Open, FileAccess.Write))
        {
            file.Position = 1000;
            file.WriteByte(0x42);
        }

        var (exit, output) = await CliRun.SetupAsync("doctor", "--config", config);

        Assert.Equal(1, exit);
        var line = Assert.Single(output.Split('\n'), l => l.Contains("model yolox-nano-coco80", StringComparison.Ordinal));
        Assert.Contains("FAIL", line, StringComparison.Ordinal);
        Assert.Contains("expected e8af074932d4", line, StringComparison.Ordinal);
        Assert.Contains("edgegw models fetch yolox-nano-coco80", line, StringComparison.Ordinal);
    }

    public async Task DisposeAsync()
    {
        await _broker.DisposeAsync();
        _dir.Dispose();
    }
}
