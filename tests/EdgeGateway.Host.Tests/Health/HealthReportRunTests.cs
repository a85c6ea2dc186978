using EdgeGateway.Contracts.Telemetry;
using EdgeGateway.Core.Alerts;
using EdgeGateway.Host.Diagnostics;
using EdgeGateway.Host.Health;
using EdgeGateway.Host.Tests.Browser;
using EdgeGateway.Testing;
using EdgeGateway.Uplink.Mqtt;
using EdgeGateway.Vision.Models;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace EdgeGateway.Host.Tests.Health;

/// <summary>
/// The health report as the relay's broker receives it from a real gateway analysing a file camera: it decodes and
/// shows the camera analysing; after the broker was down, the alarm raised meanwhile arrives before any health
/// report, and of the reports built while offline none arrives but the latest, built on reconnecting.
/// </summary>
[Trait("Category", "Integration")]
public sealed class HealthReportRunTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Site = "xuhui-0193";
    private const string Device = "kitchen-0042";
    private const string HealthTopic = $"edge/{Site}/{Device}/health";
    private readonly string _data = Directory.CreateTempSubdirectory("edgegw-health-").FullName;
    private MosquittoBroker _broker = null!;

    public async Task InitializeAsync()
    {
        _broker = await MosquittoBroker.StartAsync(persistence: true);
        await new ModelCatalog().EnsureFetchedAsync("yolox-nano-coco80");
    }

    public async Task DisposeAsync()
    {
        await _broker.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }

    [Fact]
    public async Task The_report_arrives_with_the_camera_analysing_and_after_an_outage_only_the_latest_follows_the_alarm()
    {
        await using var platform = await MqttCollector.StartAsync(_broker.Url);
        await using var gateway = await RunningGateway.StartAsync(new Dictionary<string, string?>
        {
            ["Device:Id"] = Device,
            ["Device:Site"] = Site,
            ["Storage:DataDir"] = _data,
            ["Uplink:Broker"] = _broker.Url,
            ["Uplink:ReconnectMinMs"] = "100",
            ["Uplink:ReconnectMaxMs"] = "1000",
            ["Fleet:HealthInterval"] = "00:00:02",
            ["Diagnostics:PasswordHash"] = TechnicianPassword.Hash("kitchen-tech-2026"),
            ["Diagnostics:Url"] = "http://127.0.0.1:0",
            ["Cameras:0:Id"] = "k1",
            ["Cameras:0:Url"] = RepoPaths.SharedFile("video", "street-720p-10fps.mp4"),
            ["Cameras:0:Role"] = "kitchen",
            ["Cameras:0:Model"] = "yolox-nano-coco80",
            ["Cameras:0:Loop"] = "true",
            ["Cameras:0:AnalysisFps"] = "5",
        });

        // 1. A report arrives, decodes, and shows the camera analysing.
        await platform.WaitForAsync(c => Reports(c).Any(r => r.Cameras.Any(k => k.Id == "k1" && k.AnalysedFps > 0)), TimeSpan.FromSeconds(120));
        var analysing = Reports(platform).First(r => r.Cameras.Any(k => k.Id == "k1" && k.AnalysedFps > 0));
        var camera = Assert.Single(analysing.Cameras);
        output.WriteLine($"k1: up {camera.Up}, read {camera.ReadFps} fps, analysed {camera.AnalysedFps} fps of {camera.TargetFps}, inference {camera.InferenceMs} ms, lag {camera.LagMs} ms");
        Assert.True(camera.Up);
        Assert.Equal(5, camera.TargetFps);
        Assert.True(analysing.UplinkConnected);
        Assert.True(analysing.DiskTotalBytes > 0);
        var model = Assert.Single(analysing.Models);
        Assert.Equal("yolox-nano-coco80", model.Id);
        Assert.Equal(64, model.Sha256.Length);

        // 2. The broker goes down; the box builds reports while offline, and an alarm is raised.
        var reporter = gateway.Services.GetRequiredService<HealthReporter>();
        var link = gateway.Services.GetRequiredService<IHealthChannel>();
        await _broker.StopGracefullyAsync();
        await Eventually.HoldsAsync(() => !link.IsConnected, TimeSpan.FromSeconds(30));
        var builtOffline = reporter.Built;
        await gateway.Services.GetRequiredService<IAlertSink>().PublishAsync(new AlertDraft(AlertKinds.Test, AlertSeverity.Major, AlertState.Raised));
        await Eventually.HoldsAsync(() => reporter.Built >= builtOffline + 3, TimeSpan.FromSeconds(60));
        var before = platform.Messages.Count;

        // 3. The broker is back: the alarm first, then the reports built since the link came back, none from the outage.
        await _broker.StartAsync();
        await platform.WaitForAsync(c => c.Messages.Skip(before).Any(m => m.Topic == HealthTopic) && c.Messages.Skip(before).Any(m => m.AlertId is not null), TimeSpan.FromSeconds(90));
        var after = platform.Messages.Skip(before).ToList();
        var alarm = after.FindIndex(m => m.AlertId is not null);
        var firstReport = after.FindIndex(m => m.Topic == HealthTopic);
        output.WriteLine($"after the outage: alarm at {alarm}, first health report at {firstReport}, of {after.Count} messages");
        Assert.True(alarm < firstReport, $"a health report (message {firstReport}) went ahead of the alarm (message {alarm})");
        var reports = after.Where(m => m.Topic == HealthTopic).Select(m => Decode(m.Payload)).ToList();
        Assert.All(reports, r =>
        {
            // A report built while offline says so (not connected, no reconnect yet): none may arrive.
            Assert.True(r.UplinkConnected, "a health report built while offline was sent");
            Assert.True(r.UplinkReconnects >= 1);
        });
    }

    private static List<HealthReport> Reports(MqttCollector collector) =>
        [.. collector.Messages.Where(m => m.Topic == HealthTopic).Select(m => Decode(m.Payload))];

    private static HealthReport Decode(byte[] payload)
    {
        Assert.True(HealthReport.TryDecode(payload, out var report, out var problem), problem);
        return report!;
    }
}
