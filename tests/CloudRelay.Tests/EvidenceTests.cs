using System.Security.Cryptography;
using System.Text.Json;
using CloudRelay.Evidence;
using CloudRelay.Ingest;
using EdgeGateway.Contracts;
using EdgeGateway.Contracts.Evidence;
using EdgeGateway.Testing;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;

namespace CloudRelay.Tests;

/// <summary>
/// Evidence is write-once: a device that had its snapshot and manifest verified sends another JPEG, another manifest
/// signed by another key, and manifests whose facts differ from the stored alert. What was verified stays verified and
/// served; nothing else reads "verified".
/// </summary>
[Trait("Category", "Integration")]
public sealed class EvidenceTests
{
    [Fact]
    public async Task A_second_snapshot_or_manifest_for_a_verified_alert_is_refused_counted_and_the_verified_evidence_stays()
    {
        await using var relay = await RelayTestHost.StartAsync();
        using var boxKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var box = await BoxWithKeyAsync(relay, boxKey);
        var photo = await File.ReadAllBytesAsync(RepoPaths.SharedFile("images", "person-with-mask.jpg"));
        // Another photo of the same size: the relay's packet limit (64 KiB) holds both.
        var swapped = photo.ToArray();
        swapped[^100] ^= 0x55;
        var alert = TestAlerts.Make("site-1", "box-1");
        var snapshotTopic = $"edge/site-1/box-1/snapshot/{alert.Id:D}";
        var evidenceTopic = $"edge/site-1/box-1/evidence/{alert.Id:D}";
        var envelope = Envelope(boxKey, alert, EvidenceSignature.Sha256Hex(photo));
        await box.PublishAlertAsync(alert);
        Assert.True((await box.PublishAsync(snapshotTopic, photo)).IsSuccess);
        Assert.True((await box.PublishAsync(evidenceTopic, envelope)).IsSuccess);
        Assert.True((await EvidenceAsync(relay, alert.Id)).GetProperty("verified").GetBoolean());

        var snapshotAgain = await box.PublishAsync(snapshotTopic, photo);
        var manifestAgain = await box.PublishAsync(evidenceTopic, envelope);
        var secondSnapshot = await box.PublishAsync(snapshotTopic, swapped);
        var secondManifest = await box.PublishAsync(evidenceTopic, Envelope(otherKey, alert, EvidenceSignature.Sha256Hex(swapped)));

        // A redelivery of the same bytes is acknowledged; anything else is refused and counted.
        Assert.True(snapshotAgain.IsSuccess);
        Assert.True(manifestAgain.IsSuccess);
        Assert.False(secondSnapshot.IsSuccess);
        Assert.False(secondManifest.IsSuccess);
        Assert.Equal(1, relay.Counters.RejectsByReason.GetValueOrDefault(DeviceMessageIngestor.SnapshotExists));
        Assert.Equal(1, relay.Counters.RejectsByReason.GetValueOrDefault(EvidenceIngestor.ManifestExists));
        Assert.Equal(photo, await relay.Http.GetByteArrayAsync($"/api/alerts/{alert.Id:D}/snapshot"));
        var evidence = await EvidenceAsync(relay, alert.Id);
        Assert.True(evidence.GetProperty("verified").GetBoolean(), evidence.GetProperty("verify_note").GetString());
        Assert.Equal(EvidenceSignature.KeyId(boxKey), evidence.GetProperty("key_id").GetString());
        Assert.Equal(EvidenceSignature.Sha256Hex(photo), evidence.GetProperty("manifest").GetProperty("snapshot_sha256").GetString());
        Assert.Equal("Verified OK", await DeviceTakeoverTests.OpenSslVerifyAsync(evidence, relay.DataDir));
    }

    [Fact]
    public async Task A_verified_snapshot_that_changed_on_disk_afterwards_is_no_longer_shown_as_verified()
    {
        await using var relay = await RelayTestHost.StartAsync();
        using var boxKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var box = await BoxWithKeyAsync(relay, boxKey);
        var photo = await File.ReadAllBytesAsync(RepoPaths.SharedFile("images", "person-with-mask.jpg"));
        var alert = TestAlerts.Make("site-1", "box-1");
        await box.PublishAlertAsync(alert);
        await box.PublishAsync($"edge/site-1/box-1/snapshot/{alert.Id:D}", photo);
        await box.PublishAsync($"edge/site-1/box-1/evidence/{alert.Id:D}", Envelope(boxKey, alert, EvidenceSignature.Sha256Hex(photo)));
        Assert.True((await EvidenceAsync(relay, alert.Id)).GetProperty("verified").GetBoolean());

        // Whatever replaced the file, the verdict vouches for the bytes it checked, not for the file's name.
        var path = DeviceMessageIngestor.SnapshotPath(relay.DataDir, "site-1", "box-1", alert.Id)!;
        await File.WriteAllBytesAsync(path, await File.ReadAllBytesAsync(RepoPaths.SharedFile("images", "street-bicycle-dog.jpg")));

        var evidence = await EvidenceAsync(relay, alert.Id);
        Assert.False(evidence.GetProperty("verified").GetBoolean());
        Assert.Contains("is not the one verified", evidence.GetProperty("verify_note").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_manifest_whose_kind_or_raise_time_differ_from_the_stored_alert_is_not_verified_and_one_for_an_unknown_alert_is_refused()
    {
        await using var relay = await RelayTestHost.StartAsync();
        using var boxKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var box = await BoxWithKeyAsync(relay, boxKey);
        var kindChanged = TestAlerts.Make("site-1", "box-1");
        var timeChanged = TestAlerts.Make("site-1", "box-1");
        var honest = TestAlerts.Make("site-1", "box-1");
        var unknown = TestAlerts.Make("site-1", "box-1");
        await box.PublishAlertAsync(kindChanged);
        await box.PublishAlertAsync(timeChanged);
        await box.PublishAlertAsync(honest);

        // Signed by the device's own key, but over other facts than the alert the relay stored.
        await box.PublishAsync($"edge/site-1/box-1/evidence/{kindChanged.Id:D}", Envelope(boxKey, kindChanged with { Kind = AlertKinds.Rat }, null));
        await box.PublishAsync($"edge/site-1/box-1/evidence/{timeChanged.Id:D}", Envelope(boxKey, timeChanged with { TimestampMs = timeChanged.TimestampMs - 3_600_000 }, null));
        await box.PublishAsync($"edge/site-1/box-1/evidence/{honest.Id:D}", Envelope(boxKey, honest, null));
        var forUnknown = await box.PublishAsync($"edge/site-1/box-1/evidence/{unknown.Id:D}", Envelope(boxKey, unknown, null));

        var kind = await EvidenceAsync(relay, kindChanged.Id);
        var time = await EvidenceAsync(relay, timeChanged.Id);
        Assert.False(kind.GetProperty("verified").GetBoolean());
        Assert.Contains($"kind '{AlertKinds.Rat}'", kind.GetProperty("verify_note").GetString(), StringComparison.Ordinal);
        Assert.False(time.GetProperty("verified").GetBoolean());
        Assert.Contains($"raised at {timeChanged.TimestampMs} ms", time.GetProperty("verify_note").GetString(), StringComparison.Ordinal);
        Assert.True((await EvidenceAsync(relay, honest.Id)).GetProperty("verified").GetBoolean());
        Assert.False(forUnknown.IsSuccess);
        Assert.Equal(1, relay.Counters.RejectsByReason.GetValueOrDefault(EvidenceIngestor.ManifestUnknownAlert));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await relay.Http.GetAsync($"/api/alerts/{unknown.Id:D}/evidence")).StatusCode);
    }

    /// <summary>An evidence envelope as a box sends it: the manifest of <paramref name="alert"/>'s facts, signed by <paramref name="key"/>.</summary>
    internal static byte[] Envelope(ECDsa key, Alert alert, string? snapshotSha256, string? clipSha256 = null)
    {
        var manifest = new EvidenceManifest(alert.Id, alert.DeviceId, alert.SiteId, alert.Kind, alert.TimestampMs, snapshotSha256, clipSha256).ToBytes();
        return new EvidenceEnvelope(manifest, EvidenceSignature.Sign(key, manifest), EvidenceSignature.KeyId(key)).Encode();
    }

    private static async Task<IMqttClient> BoxWithKeyAsync(RelayTestHost relay, ECDsa key)
    {
        var box = await relay.ConnectAsync(await relay.AddDeviceAsync("site-1", "box-1"));
        await relay.App.Services.GetRequiredService<DeviceSigningKeys>().RegisterAsync("site-1", "box-1", EvidenceSignature.PublicKeyPem(key), CancellationToken.None);
        return box;
    }

    private static Task<JsonElement> EvidenceAsync(RelayTestHost relay, Guid alertId) =>
        relay.Http.GetJsonAsync<JsonElement>($"/api/alerts/{alertId:D}/evidence");
}
