using System.Net;
using System.Security.Cryptography;
using CloudRelay.Evidence;
using CloudRelay.Ingest;
using EdgeGateway.Contracts;
using EdgeGateway.Contracts.Evidence;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;

namespace CloudRelay.Tests;

/// <summary>
/// Clip pieces from a registered device's token, as a hostile party would send them: for made-up and foreign alerts,
/// with gaps, a wrong checksum, a huge announced length, past the device's budget while another device's alarm
/// comes in. Each is refused before anything reaches the disk; the other device is served.
/// </summary>
[Trait("Category", "Integration")]
public sealed class HostileEvidenceTests
{
    private const int Piece = 60 * 1024;

    [Fact]
    public async Task Pieces_for_made_up_alerts_or_an_alert_naming_no_clip_are_refused_and_leave_nothing_on_disk()
    {
        await using var relay = await RelayTestHost.StartAsync();
        var box = await relay.ConnectAsync(await relay.AddDeviceAsync("s1", "hostile"));
        var bytes = RandomNumberGenerator.GetBytes(4000);

        for (var i = 0; i < 40; i++)
        {
            var answer = await SendAsync(box, "s1", "hostile", Guid.CreateVersion7(), 0, bytes.Length, bytes, SHA256.HashData(bytes));
            Assert.NotEqual(MqttClientPublishReasonCode.Success, answer.ReasonCode);
        }

        var withoutClip = TestAlerts.Make("s1", "hostile");
        Assert.True((await box.PublishAlertAsync(withoutClip)).IsSuccess);
        var notNamed = await SendAsync(box, "s1", "hostile", withoutClip.Id, 0, bytes.Length, bytes, SHA256.HashData(bytes));

        Assert.NotEqual(MqttClientPublishReasonCode.Success, notNamed.ReasonCode);
        Assert.Equal(40, relay.Counters.RejectsByReason.GetValueOrDefault(EvidenceIngestor.ClipUnknownAlert));
        Assert.Equal(1, relay.Counters.RejectsByReason.GetValueOrDefault(EvidenceIngestor.ClipNotNamed));
        Assert.Empty(ClipFilesOf(relay));
    }

    [Fact]
    public async Task Pieces_for_another_devices_alert_are_refused_and_that_devices_clip_still_arrives_whole()
    {
        await using var relay = await RelayTestHost.StartAsync();
        var victim = await relay.ConnectAsync(await relay.AddDeviceAsync("s1", "victim"));
        var thief = await relay.ConnectAsync(await relay.AddDeviceAsync("s1", "thief"));
        var alert = await PublishAlertWithClipAsync(victim, "s1", "victim");
        var forged = RandomNumberGenerator.GetBytes(3000);

        var stolen = await SendAsync(thief, "s1", "thief", alert.Id, 0, forged.Length, forged, SHA256.HashData(forged));

        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, stolen.ReasonCode);
        Assert.Empty(ClipFilesOf(relay));
        var real = RandomNumberGenerator.GetBytes(3000);
        Assert.True((await SendAsync(victim, "s1", "victim", alert.Id, 0, real.Length, real, SHA256.HashData(real))).IsSuccess);
        Assert.Equal(real, await relay.Http.GetByteArrayAsync($"/api/alerts/{alert.Id:D}/clip"));
    }

    [Fact]
    public async Task A_piece_past_a_gap_is_refused_and_makes_no_file()
    {
        await using var relay = await RelayTestHost.StartAsync();
        var box = await relay.ConnectAsync(await relay.AddDeviceAsync("s1", "box"));
        var alert = await PublishAlertWithClipAsync(box, "s1", "box");
        var clip = RandomNumberGenerator.GetBytes(3 * Piece);
        var sha = SHA256.HashData(clip);

        var first = await SendAsync(box, "s1", "box", alert.Id, Piece, clip.Length, clip.AsMemory(Piece, Piece), sha);
        var filesAfterFirst = ClipFilesOf(relay);
        var start = await SendAsync(box, "s1", "box", alert.Id, 0, clip.Length, clip.AsMemory(0, Piece), sha);
        var skip = await SendAsync(box, "s1", "box", alert.Id, 2 * Piece, clip.Length, clip.AsMemory(2 * Piece, Piece), sha);

        Assert.NotEqual(MqttClientPublishReasonCode.Success, first.ReasonCode);
        Assert.Empty(filesAfterFirst);
        Assert.True(start.IsSuccess);
        Assert.NotEqual(MqttClientPublishReasonCode.Success, skip.ReasonCode);
        Assert.Equal(2, relay.Counters.RejectsByReason.GetValueOrDefault(EvidenceIngestor.ClipGap));
        Assert.Equal(Piece, new FileInfo(Assert.Single(ClipFilesOf(relay))).Length);
    }

    [Fact]
    public async Task A_clip_with_a_wrong_checksum_leaves_nothing_and_can_be_sent_again()
    {
        await using var relay = await RelayTestHost.StartAsync();
        var box = await relay.ConnectAsync(await relay.AddDeviceAsync("s1", "box"));
        var alert = await PublishAlertWithClipAsync(box, "s1", "box");
        var clip = RandomNumberGenerator.GetBytes(2 * Piece);
        var wrong = SHA256.HashData(clip.Reverse().ToArray());

        Assert.True((await SendAsync(box, "s1", "box", alert.Id, 0, clip.Length, clip.AsMemory(0, Piece), wrong)).IsSuccess);
        var last = await SendAsync(box, "s1", "box", alert.Id, Piece, clip.Length, clip.AsMemory(Piece), wrong);

        Assert.NotEqual(MqttClientPublishReasonCode.Success, last.ReasonCode);
        Assert.Equal(1, relay.Counters.RejectsByReason.GetValueOrDefault(EvidenceIngestor.ClipChecksum));
        Assert.Empty(ClipFilesOf(relay));
        Assert.Equal(HttpStatusCode.NotFound, (await relay.Http.GetAsync($"/api/alerts/{alert.Id:D}/clip")).StatusCode);
        Assert.Equal(0, relay.App.Services.GetRequiredService<ClipLedger>().DeviceBytes("s1", "box"));

        var sha = SHA256.HashData(clip);
        Assert.True((await SendAsync(box, "s1", "box", alert.Id, 0, clip.Length, clip.AsMemory(0, Piece), sha)).IsSuccess);
        Assert.True((await SendAsync(box, "s1", "box", alert.Id, Piece, clip.Length, clip.AsMemory(Piece), sha)).IsSuccess);
        Assert.Equal(clip, await relay.Http.GetByteArrayAsync($"/api/alerts/{alert.Id:D}/clip"));
    }

    [Fact]
    public async Task A_huge_announced_length_is_refused_up_front()
    {
        await using var relay = await RelayTestHost.StartAsync(settings: new Dictionary<string, string?> { ["Evidence:MaxMBPerDevice"] = "8" });
        var box = await relay.ConnectAsync(await relay.AddDeviceAsync("s1", "box"));
        var alert = await PublishAlertWithClipAsync(box, "s1", "box");
        var piece = RandomNumberGenerator.GetBytes(Piece);

        // 200 MiB is inside the protocol's 256 MiB, but not inside this device's 8 MB.
        var answer = await SendAsync(box, "s1", "box", alert.Id, 0, 200L * 1024 * 1024, piece, SHA256.HashData(piece));

        Assert.Equal(MqttClientPublishReasonCode.QuotaExceeded, answer.ReasonCode);
        Assert.Contains("Relay:Evidence:MaxMBPerDevice", answer.ReasonString, StringComparison.Ordinal);
        Assert.Equal(1, relay.Counters.RejectsByReason.GetValueOrDefault(EvidenceIngestor.ClipBudget));
        Assert.Empty(ClipFilesOf(relay));
    }

    [Fact]
    public async Task A_device_over_its_budget_is_refused_while_another_devices_alarm_and_clip_are_stored_at_once()
    {
        await using var relay = await RelayTestHost.StartAsync(settings: new Dictionary<string, string?> { ["Evidence:MaxMBPerDevice"] = "1" });
        var hostile = await relay.ConnectAsync(await relay.AddDeviceAsync("s1", "hostile"));
        var victim = await relay.ConnectAsync(await relay.AddDeviceAsync("s1", "victim"));
        var clips = new List<Alert>();
        for (var i = 0; i < 4; i++)
        {
            clips.Add(await PublishAlertWithClipAsync(hostile, "s1", "hostile"));
        }

        // Unfinished clips of 900 KB each, never sent to the end: 3.4 MB offered against a 1 MB budget.
        var attack = Task.Run(async () =>
        {
            var refused = 0;
            var piece = RandomNumberGenerator.GetBytes(Piece);
            for (var offset = 0; offset + Piece < 900_000; offset += Piece)
            {
                foreach (var alert in clips)
                {
                    var answer = await SendAsync(hostile, "s1", "hostile", alert.Id, offset, 900_000, piece, new byte[32]);
                    refused += answer.ReasonCode == MqttClientPublishReasonCode.QuotaExceeded ? 1 : 0;
                }
            }

            return refused;
        });
        var alarms = new List<Alert>();
        for (var i = 0; i < 20; i++)
        {
            var alarm = TestAlerts.Make("s1", "victim");
            Assert.True((await victim.PublishAlertAsync(alarm)).IsSuccess);
            alarms.Add(alarm);
        }

        var refusals = await attack;
        var victimClip = await PublishAlertWithClipAsync(victim, "s1", "victim");
        var bytes = RandomNumberGenerator.GetBytes(300_000);
        for (var offset = 0; offset < bytes.Length; offset += Piece)
        {
            Assert.True((await SendAsync(victim, "s1", "victim", victimClip.Id, offset, bytes.Length, bytes.AsMemory(offset, Math.Min(Piece, bytes.Length - offset)), SHA256.HashData(bytes))).IsSuccess);
        }

        Assert.True(refusals > 0, "the hostile device was never refused");
        Assert.Equal(refusals, relay.Counters.RejectsByReason.GetValueOrDefault(EvidenceIngestor.ClipBudget));
        Assert.InRange(ClipFilesOf(relay, "hostile").Sum(f => new FileInfo(f).Length), 1, 1024 * 1024);
        foreach (var alarm in alarms)
        {
            Assert.NotNull(await relay.Store.FindAlertAsync(alarm.Id, CancellationToken.None));
        }

        Assert.Equal(bytes, await relay.Http.GetByteArrayAsync($"/api/alerts/{victimClip.Id:D}/clip"));
    }

    [Fact]
    public async Task A_new_clip_makes_room_by_deleting_the_devices_oldest_and_a_deleted_clip_is_never_taken_again()
    {
        await using var relay = await RelayTestHost.StartAsync(settings: new Dictionary<string, string?> { ["Evidence:MaxMBPerDevice"] = "1" });
        var box = await relay.ConnectAsync(await relay.AddDeviceAsync("s1", "box"));
        var first = await PublishAlertWithClipAsync(box, "s1", "box");
        var second = await PublishAlertWithClipAsync(box, "s1", "box");
        var clip = RandomNumberGenerator.GetBytes(Piece * 10);
        await SendWholeAsync(box, "s1", "box", first.Id, clip);

        await SendWholeAsync(box, "s1", "box", second.Id, clip);
        var again = await SendAsync(box, "s1", "box", first.Id, 0, clip.Length, clip.AsMemory(0, Piece), SHA256.HashData(clip));

        Assert.Equal(HttpStatusCode.NotFound, (await relay.Http.GetAsync($"/api/alerts/{first.Id:D}/clip")).StatusCode);
        Assert.Equal(clip, await relay.Http.GetByteArrayAsync($"/api/alerts/{second.Id:D}/clip"));
        Assert.NotEqual(MqttClientPublishReasonCode.Success, again.ReasonCode);
        Assert.Equal(1, relay.Counters.RejectsByReason.GetValueOrDefault(EvidenceIngestor.ClipDeleted));
        Assert.Equal([$"{second.Id:D}.mp4"], ClipFilesOf(relay).Select(Path.GetFileName));
    }

    [Fact]
    public async Task An_unfinished_clip_untouched_for_the_part_ttl_is_swept_and_its_bytes_leave_the_budget()
    {
        await using var relay = await RelayTestHost.StartAsync(settings: new Dictionary<string, string?> { ["Evidence:PartTtl"] = "00:00:01" });
        var box = await relay.ConnectAsync(await relay.AddDeviceAsync("s1", "box"));
        var alert = await PublishAlertWithClipAsync(box, "s1", "box");
        var clip = RandomNumberGenerator.GetBytes(2 * Piece);
        Assert.True((await SendAsync(box, "s1", "box", alert.Id, 0, clip.Length, clip.AsMemory(0, Piece), SHA256.HashData(clip))).IsSuccess);
        var ledger = relay.App.Services.GetRequiredService<ClipLedger>();
        var held = ledger.DeviceBytes("s1", "box");

        // Time only moves on: after 1.5 s the piece is surely older than the 1 s PartTtl.
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        // The relay's own start-up sweep may run this late on a loaded machine, so what is asserted is what is left.
        await relay.App.Services.GetRequiredService<EvidenceRetention>().SweepAsync(CancellationToken.None);
        var next = await SendAsync(box, "s1", "box", alert.Id, Piece, clip.Length, clip.AsMemory(Piece), SHA256.HashData(clip));

        Assert.Equal(Piece, held);
        Assert.Equal(0, ledger.DeviceBytes("s1", "box"));
        Assert.NotEqual(MqttClientPublishReasonCode.Success, next.ReasonCode);
        Assert.Equal(1, relay.Counters.RejectsByReason.GetValueOrDefault(EvidenceIngestor.ClipGap));
        Assert.Empty(ClipFilesOf(relay));
    }

    internal static async Task<Alert> PublishAlertWithClipAsync(IMqttClient box, string site, string device)
    {
        var alert = TestAlerts.Make(site, device);
        alert = alert with { ClipRef = EdgeTopic.ClipReference(alert.Id) };
        Assert.True((await box.PublishAlertAsync(alert)).IsSuccess);
        return alert;
    }

    internal static Task<MqttClientPublishResult> SendAsync(IMqttClient box, string site, string device, Guid alertId, long offset, long total,
        ReadOnlyMemory<byte> data, byte[] sha256) =>
        box.PublishAsync($"edge/{site}/{device}/clip/{alertId:D}", new ClipChunk(offset, total, sha256, data).Encode());

    private static async Task SendWholeAsync(IMqttClient box, string site, string device, Guid alertId, byte[] clip)
    {
        var sha = SHA256.HashData(clip);
        for (var offset = 0; offset < clip.Length; offset += Piece)
        {
            var answer = await SendAsync(box, site, device, alertId, offset, clip.Length, clip.AsMemory(offset, Math.Min(Piece, clip.Length - offset)), sha);
            Assert.True(answer.IsSuccess, $"piece at {offset}: {answer.ReasonCode} {answer.ReasonString}");
        }
    }

    /// <summary>Every file under the relay's clips folder (finished and unfinished), optionally of one device.</summary>
    internal static IReadOnlyList<string> ClipFilesOf(RelayTestHost relay, string? device = null)
    {
        var root = Path.Combine(relay.DataDir, "clips");
        return Directory.Exists(root)
            ? [.. Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Where(f => device is null || Path.GetFileName(Path.GetDirectoryName(f)) == device)]
            : [];
    }
}
