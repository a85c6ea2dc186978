using EdgeGateway.Host.Gateway;

namespace EdgeGateway.Host.Tests;

/// <summary>
/// The foundation's promise: a real H.264 clip, the real YOLOX-Nano model, the e-bike rule, the
/// on-disk outbox, MQTT with QoS 1 and the relay's SQLite store, all in one run of `edgegw demo`.
/// </summary>
[Trait("Category", "Integration")]
public sealed class DemoEndToEndTests
{
    [Fact]
    public async Task Demo_delivers_the_ebike_alert_from_the_clip_to_the_relay_store()
    {
        using var output = new StringWriter();
        using var errors = new StringWriter();

        var exitCode = await DemoCommand.RunAsync(seconds: 15, clipPath: null, output, errors, CancellationToken.None);

        var text = output + errors.ToString();
        Assert.True(exitCode == 0, text);
        var stored = text.Split('\n').Where(line => line.StartsWith("relay stored: ", StringComparison.Ordinal)).ToList();
        Assert.Contains(stored, line =>
            line.Contains("\"kind\":\"ebike_in_car\"", StringComparison.Ordinal)
            && line.Contains("\"state\":\"raised\"", StringComparison.Ordinal)
            && line.Contains("\"camera\":\"car-1\"", StringComparison.Ordinal));
        Assert.Single(stored, line =>
            line.Contains("\"kind\":\"ebike_in_car\"", StringComparison.Ordinal)
            && line.Contains("\"state\":\"raised\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Demo_with_a_missing_clip_says_which_file_and_exits_non_zero()
    {
        using var output = new StringWriter();
        using var errors = new StringWriter();
        var missing = Path.Combine(Path.GetTempPath(), "no-such-clip.mp4");

        var exitCode = await DemoCommand.RunAsync(seconds: 5, clipPath: missing, output, errors, CancellationToken.None);

        Assert.Equal(2, exitCode);
        Assert.Contains(missing, errors.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("relay stored", output.ToString(), StringComparison.Ordinal);
    }
}
