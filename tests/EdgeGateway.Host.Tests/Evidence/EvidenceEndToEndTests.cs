using System.Security.Cryptography;
using System.Text.Json;
using CloudRelay.Hosting;
using EdgeGateway.Contracts.Evidence;
using EdgeGateway.Core.Alerts;
using EdgeGateway.Core.Evidence;
using EdgeGateway.Core.Outbox;
using EdgeGateway.Host.Gateway;
using EdgeGateway.Testing;
using EdgeGateway.Vision.Models;
using EdgeGateway.Vision.Tests;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeGateway.Host.Tests.Evidence;

/// <summary>
/// Evidence end to end with real parts: a GStreamer RTSP camera, ffmpeg stream copy, the ONNX face-mask model, the
/// box's MQTT uplink into the relay's embedded broker, SQLite, and ffprobe on what the relay serves.
/// </summary>
[Trait("Category", "Integration")]
public sealed class EvidenceEndToEndTests : IAsyncLifetime
{
    private const string Site = "xuhui-0193";
    private const string Device = "kitchen-0042";
    private static long _sequence = 1_000_000;
    private readonly TempDirectory _work = new("edgegw-evidence-");
    private EvidenceRig _rig = null!;

    public async Task InitializeAsync()
    {
        _rig = new EvidenceRig(_work.Path);
        await new ModelCatalog().EnsureFetchedAsync("face-mask-retina");
    }

    [Fact]
    public async Task A_bare_face_on_an_rtsp_camera_reaches_the_relay_as_a_signed_h264_clip_covering_pre_and_post_roll_served_with_range()
    {
        var cameraClip = await EvidenceRig.MakeClipAsync(_work.File("camera.mp4"), loops: 2);
        await using var camera = new RtspServer(cameraClip);
        await camera.StartAsync();
        var relay = await _rig.StartRelayAsync();
        var credentials = await _rig.RegisterBoxAsync(Site, Device);
        var withClip = new TaskCompletionSource<Alert>(TaskCreationOptions.RunContinuationsAsynchronously);
        relay.AlertFeed().AlertStored += (_, stored) =>
        {
            if (stored.Alert.ClipRef is not null)
            {
                withClip.TrySetResult(stored.Alert);
            }
        };

        var settings = _rig.BoxSettings(Site, Device, credentials);
        settings["Cameras:0:Id"] = "k1";
        settings["Cameras:0:Url"] = camera.Url;
        settings["Cameras:0:Role"] = "kitchen";
        settings["Cameras:0:Model"] = "face-mask-retina";
        settings["Cameras:0:AnalysisFps"] = "5";
        settings["Cameras:0:Rules:0:Kind"] = "no_mask";
        settings["Cameras:0:Rules:0:Labels:0"] = "no_mask";
        settings["Cameras:0:Rules:0:Hits"] = "12";
        settings["Cameras:0:Rules:0:WindowSeconds"] = "5";
        settings["Cameras:0:Rules:0:PerObject"] = "false";
        settings["Evidence:PreRoll"] = "00:00:02";
        settings["Evidence:PostRoll"] = "00:00:03";
        settings["Evidence:MaxClip"] = "00:00:07";
        await using var gateway = GatewayApp.Build(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        await gateway.StartAsync();

        var alert = await withClip.Task.WaitAsync(TimeSpan.FromSeconds(90));
        Assert.Equal($"clip/{alert.Id:D}", alert.ClipRef);
        var evidence = await _rig.VerifiedEvidenceAsync(alert.Id, TimeSpan.FromSeconds(90));
        Assert.True(evidence.GetProperty("verified").GetBoolean(), evidence.GetProperty("verify_note").GetString());

        var clip = await _rig.Api.GetByteArrayAsync($"/api/alerts/{alert.Id:D}/clip");
        var downloaded = _work.File("downloaded.mp4");
        await File.WriteAllBytesAsync(downloaded, clip);
        var (codec, seconds) = await EvidenceRig.ProbeAsync(downloaded);
        Assert.Equal("h264", codec);
        // The violation lasts the whole stream, so the clip runs to MaxClip: 2 s before the raise, 5 s after it.
        Assert.InRange(seconds, 6.0, 8.0);
        var manifest = evidence.GetProperty("manifest");
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(clip)), manifest.GetProperty("clip_sha256").GetString());
        Assert.Equal(alert.TimestampMs, manifest.GetProperty("raised_ms").GetInt64());
        Assert.Equal(Device, manifest.GetProperty("device").GetString());

        // A player seeks with Range: the relay answers 206 with exactly those bytes.
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/alerts/{alert.Id:D}/clip");
        request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(100, 199);
        using var partial = await _rig.Api.SendAsync(request);
        Assert.Equal(System.Net.HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal("video/mp4", partial.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"bytes 100-199/{clip.Length}", partial.Content.Headers.ContentRange?.ToString());
        Assert.Equal(clip.AsSpan(100, 100).ToArray(), await partial.Content.ReadAsByteArrayAsync());

        // And it plays in Chromium's <video>, fetched from the relay with the platform's key.
        await using var chromium = await EdgeGateway.Testing.Chromium.StartAsync();
        await chromium.Context.SetExtraHTTPHeadersAsync(new Dictionary<string, string> { [CloudRelay.Api.RelayApi.ApiKeyHeader] = _rig.ApiKey! });
        var page = await chromium.NewPageAsync();
        await page.GotoAsync($"{_rig.HttpUrl}/healthz");
        var played = await page.EvaluateAsync<double>($$"""
            () => new Promise((resolve, reject) => {
              const video = document.createElement('video');
              video.muted = true;
              video.onloadeddata = () => resolve(video.duration);
              video.onerror = () => reject(new Error('video error ' + (video.error && video.error.code)));
              video.src = '/api/alerts/{{alert.Id:D}}/clip';
              document.body.append(video);
            })
            """);
        Assert.InRange(played, 6.0, 8.0);
        await gateway.StopAsync();
    }

    [Fact]
    public async Task A_clip_whose_upload_is_cut_by_a_relay_outage_arrives_whole_once()
    {
        await _rig.StartRelayAsync();
        var credentials = await _rig.RegisterBoxAsync(Site, Device);
        var settings = _rig.BoxSettings(Site, Device, credentials);
        settings["Evidence:ChunkKB"] = "1";
        await using var gateway = GatewayApp.Build(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        await gateway.StartAsync();
        var (alert, snapshotSha) = await PublishWithSnapshotAsync(gateway.Services, namesClip: true);
        var clip = await EvidenceRig.MakeClipAsync(_work.File("clip.mp4"), loops: 1);
        var clipBytes = await File.ReadAllBytesAsync(clip);
        var uploader = gateway.Services.GetRequiredService<EvidenceUploader>();

        gateway.Services.GetRequiredService<EvidenceCollector>().SignAndQueue(alert, snapshotSha, clip);
        await Eventually.HoldsAsync(() => uploader.PiecesSent >= 50, TimeSpan.FromSeconds(60), "the upload to be under way");
        await _rig.StopRelayAsync();

        var relayClips = Path.Combine(_rig.RelayData, "clips", Site, Device);
        Assert.Single(Directory.GetFiles(relayClips, "*.part"));
        Assert.Empty(Directory.GetFiles(relayClips, "*.mp4"));
        var sentBeforeOutage = uploader.PiecesSent;
        Assert.True(sentBeforeOutage < clipBytes.Length / 1024, $"the upload finished before the outage ({sentBeforeOutage} pieces)");

        await _rig.StartRelayAsync();
        var evidence = await _rig.VerifiedEvidenceAsync(alert.Id, TimeSpan.FromSeconds(120));
        Assert.True(evidence.GetProperty("verified").GetBoolean(), evidence.GetProperty("verify_note").GetString());
        Assert.Equal(clipBytes.Length, evidence.GetProperty("clip_bytes").GetInt64());
        Assert.Equal(clipBytes, await _rig.Api.GetByteArrayAsync($"/api/alerts/{alert.Id:D}/clip"));
        Assert.Equal([Path.Combine(relayClips, $"{alert.Id:D}.mp4")], Directory.GetFiles(relayClips));
        // It went on from where it was cut, not from the start.
        Assert.True(uploader.PiecesSent < clipBytes.Length / 1024 + sentBeforeOutage / 2, $"{uploader.PiecesSent} pieces sent for {clipBytes.Length} bytes");
        await gateway.StopAsync();
    }

    [Fact]
    public async Task A_clip_changed_by_one_byte_or_a_manifest_signed_by_another_key_reads_verified_false_at_the_relay()
    {
        await _rig.StartRelayAsync();
        var credentials = await _rig.RegisterBoxAsync(Site, Device);
        await using var gateway = GatewayApp.Build(new ConfigurationBuilder().AddInMemoryCollection(_rig.BoxSettings(Site, Device, credentials)).Build());
        await gateway.StartAsync();
        var folder = gateway.Services.GetRequiredService<EvidenceFolder>();
        var key = gateway.Services.GetRequiredService<EvidenceSigningKey>();
        var clip = await File.ReadAllBytesAsync(await EvidenceRig.MakeClipAsync(_work.File("clip.mp4"), loops: 1));

        // The clip is altered on the box's disk after the manifest was signed.
        var (tampered, tamperedSnapshot) = await PublishWithSnapshotAsync(gateway.Services, namesClip: true);
        var manifest = new EvidenceManifest(tampered.Id, Device, Site, tampered.Kind, tampered.TimestampMs, tamperedSnapshot, EvidenceSignature.Sha256Hex(clip)).ToBytes();
        var changed = clip.ToArray();
        changed[changed.Length / 2] ^= 0x01;
        await File.WriteAllBytesAsync(folder.ClipPath(tampered.Id), changed);
        folder.Add(new EvidenceItem { AlertId = tampered.Id, Manifest = manifest, Signature = key.Sign(manifest), KeyId = key.KeyId, HasClip = true });

        // A manifest that is right in every hash, but signed by a key that is not the box's.
        var (forged, forgedSnapshot) = await PublishWithSnapshotAsync(gateway.Services);
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var forgedManifest = new EvidenceManifest(forged.Id, Device, Site, forged.Kind, forged.TimestampMs, forgedSnapshot, null).ToBytes();
        folder.Add(new EvidenceItem { AlertId = forged.Id, Manifest = forgedManifest, Signature = EvidenceSignature.Sign(other, forgedManifest), KeyId = EvidenceSignature.KeyId(other) });

        var tamperedEvidence = await _rig.VerifiedEvidenceAsync(tampered.Id, TimeSpan.FromSeconds(60));
        Assert.False(tamperedEvidence.GetProperty("verified").GetBoolean());
        Assert.Contains("clip SHA-256", tamperedEvidence.GetProperty("verify_note").GetString(), StringComparison.Ordinal);
        // What arrived is what was on the box's disk: the relay shows it, and says it is not what was signed.
        Assert.Equal(changed, await _rig.Api.GetByteArrayAsync($"/api/alerts/{tampered.Id:D}/clip"));

        var forgedEvidence = await _rig.VerifiedEvidenceAsync(forged.Id, TimeSpan.FromSeconds(60));
        Assert.False(forgedEvidence.GetProperty("verified").GetBoolean());
        Assert.Contains($"signed by key {EvidenceSignature.KeyId(other)}", forgedEvidence.GetProperty("verify_note").GetString(), StringComparison.Ordinal);
        await gateway.StopAsync();
    }

    /// <summary>
    /// An alert whose snapshot reaches the relay without the box signing it on its own (the snapshot goes through the
    /// outbox as the box sends it; the test signs the evidence itself). With <paramref name="namesClip"/> the alert
    /// names its clip, as one from a camera that records clips does: the relay takes a clip only for such an alert.
    /// </summary>
    private static async Task<(Alert Alert, string SnapshotSha)> PublishWithSnapshotAsync(IServiceProvider services, bool namesClip = false)
    {
        var snapshot = await File.ReadAllBytesAsync(RepoPaths.SharedFile("images", "person-with-mask.jpg"));
        var outbox = services.GetRequiredService<EdgeGateway.Core.Outbox.IOutbox>();
        Alert alert;
        if (namesClip)
        {
            var id = Guid.CreateVersion7();
            alert = new Alert
            {
                Id = id, SiteId = Site, DeviceId = Device, Sequence = Interlocked.Increment(ref _sequence), Kind = AlertKinds.NoMask,
                Severity = AlertSeverity.Warning, State = AlertState.Raised, TimestampMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
                ClipRef = EdgeGateway.Contracts.EdgeTopic.ClipReference(id),
            };
            await outbox.EnqueueAsync(new EdgeGateway.Core.Outbox.OutboxMessage(EdgeGateway.Core.Outbox.OutboxClass.Alarm, EdgeGateway.Contracts.AlertCbor.Encode(alert), id));
        }
        else
        {
            alert = await services.GetRequiredService<IAlertSink>().PublishAsync(new AlertDraft(AlertKinds.NoMask, AlertSeverity.Warning, AlertState.Raised));
        }

        await outbox.EnqueueAsync(new EdgeGateway.Core.Outbox.OutboxMessage(EdgeGateway.Core.Outbox.OutboxClass.Snapshot, snapshot, alert.Id));
        return (alert, EvidenceSignature.Sha256Hex(snapshot));
    }

    public async Task DisposeAsync()
    {
        await _rig.DisposeAsync();
        _work.Dispose();
    }
}
