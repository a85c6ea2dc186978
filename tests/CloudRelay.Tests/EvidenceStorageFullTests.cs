using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using CloudRelay.Evidence;
using CloudRelay.OperatorConsole;
using CloudRelay.Tests.Console;
using EdgeGateway.Testing;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;

namespace CloudRelay.Tests;

/// <summary>
/// The relay's data disk (a real loop-mounted ext4 holding the database and the clips) falls below
/// <c>Relay:Evidence:ReserveMB</c>: evidence is refused with nothing written, alarms are still stored, and
/// <c>/readyz</c> and the console say <c>storage_full</c> until the space comes back.
/// </summary>
[Trait("Category", "Integration")]
public sealed class EvidenceStorageFullTests
{
    private const string Password = "kitchen-watch-2026";

    [LoopMountFact]
    public async Task Below_the_reserve_evidence_is_refused_alarms_are_stored_and_readyz_and_the_console_say_storage_full()
    {
        using var disk = SmallDisk.TryMount(64, out var whyNot) ?? throw new InvalidOperationException(whyNot);
        await using var relay = await RelayTestHost.StartAsync(https: true, dataDir: Path.Combine(disk.Path, "relay"),
            settings: new Dictionary<string, string?> { ["Evidence:ReserveMB"] = "16" });
        await relay.App.Services.GetRequiredService<Operators>().AddAsync("alice", OperatorRoles.Viewer, Password);
        var box = await relay.ConnectAsync(await relay.AddDeviceAsync("s1", "box"));
        using var alice = new ConsoleClient(relay, "en");
        await alice.LogInAsync("alice", Password);
        var before = await StorageCheckAsync(relay);

        // Another program fills the disk to 8 MB free, under the 16 MB reserve.
        disk.Fill(leaveBytes: 8L * 1024 * 1024);
        var alarm = await HostileEvidenceTests.PublishAlertWithClipAsync(box, "s1", "box");
        var clip = RandomNumberGenerator.GetBytes(40_000);
        var refused = await HostileEvidenceTests.SendAsync(box, "s1", "box", alarm.Id, 0, clip.Length, clip, SHA256.HashData(clip));
        var jpeg = await File.ReadAllBytesAsync(RepoPaths.SharedFile("images", "person-with-mask.jpg"));
        var snapshot = await PublishSnapshotAsync(box, alarm.Id, jpeg);
        var during = await StorageCheckAsync(relay);
        var devicesPage = (await alice.GetAsync("/console/devices")).Body;

        Assert.StartsWith("ok:", before, StringComparison.Ordinal);
        Assert.DoesNotContain("storage_full", before, StringComparison.Ordinal);
        Assert.NotNull(await relay.Store.FindAlertAsync(alarm.Id, CancellationToken.None));
        Assert.Equal(MqttClientPublishReasonCode.QuotaExceeded, refused.ReasonCode);
        Assert.Contains("Relay:Evidence:ReserveMB", refused.ReasonString, StringComparison.Ordinal);
        Assert.Equal(MqttClientPublishReasonCode.QuotaExceeded, snapshot.ReasonCode);
        Assert.Contains("snapshots wait", snapshot.ReasonString, StringComparison.Ordinal);
        Assert.Equal(2, relay.Counters.RejectsByReason.GetValueOrDefault(EvidenceIngestor.StorageFull));
        Assert.False(File.Exists(Path.Combine(disk.Path, "relay", "snapshots", "s1", "box", $"{alarm.Id:D}.jpg")));
        Assert.Empty(HostileEvidenceTests.ClipFilesOf(relay));
        Assert.StartsWith("ok:storage_full:", during, StringComparison.Ordinal);
        Assert.Contains("id=\"storage-full\"", devicesPage, StringComparison.Ordinal);

        // The space comes back: the same clip is taken, and the state clears.
        disk.Empty();
        Assert.True((await HostileEvidenceTests.SendAsync(box, "s1", "box", alarm.Id, 0, clip.Length, clip, SHA256.HashData(clip))).IsSuccess);
        Assert.Equal(clip, await relay.Http.GetByteArrayAsync($"/api/alerts/{alarm.Id:D}/clip"));
        Assert.True((await PublishSnapshotAsync(box, alarm.Id, jpeg)).IsSuccess);
        Assert.DoesNotContain("storage_full", await StorageCheckAsync(relay), StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"storage-full\"", (await alice.GetAsync("/console/devices")).Body, StringComparison.Ordinal);
    }

    private static Task<MqttClientPublishResult> PublishSnapshotAsync(IMqttClient box, Guid alertId, byte[] jpeg) =>
        box.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic($"edge/s1/box/snapshot/{alertId:D}")
            .WithPayload(jpeg)
            .WithQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce)
            .Build());

    /// <summary>The <c>storage</c> check of <c>/readyz</c> as <c>status:detail</c>; the probe itself must answer 200.</summary>
    private static async Task<string> StorageCheckAsync(RelayTestHost relay)
    {
        using var response = await relay.Http.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var check = json.RootElement.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "storage");
        return $"{check.GetProperty("status").GetString()}:{check.GetProperty("detail").GetString()}";
    }
}
