using System.Net;
using CloudRelay.Evidence;
using CloudRelay.Database;
using EdgeGateway.Contracts;
using Microsoft.Extensions.DependencyInjection;

namespace CloudRelay.Tests;

/// <summary>Relay retention deletes the oldest clips, by age and by a device's byte cap, and never an alert.</summary>
[Trait("Category", "Integration")]
public sealed class EvidenceRetentionTests
{
    private const string Site = "site-r";
    private const string Device = "box-r";

    [Fact]
    public async Task Clips_past_the_retention_days_are_deleted_and_their_alerts_stay()
    {
        await using var relay = await RelayTestHost.StartAsync();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var old = await StoreClipAsync(relay, now - TimeSpan.FromDays(31).Ticks / TimeSpan.TicksPerMillisecond, 1000);
        var fresh = await StoreClipAsync(relay, now, 1000);

        await SweepAsync(relay, clipsLeft: 1);

        Assert.Equal(HttpStatusCode.NotFound, (await relay.Http.GetAsync($"/api/alerts/{old:D}/clip")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await relay.Http.GetAsync($"/api/alerts/{fresh:D}/clip")).StatusCode);
        Assert.NotNull(await relay.Store.FindAlertAsync(old, CancellationToken.None));
        Assert.NotNull(await relay.Store.FindAlertAsync(fresh, CancellationToken.None));
    }

    [Fact]
    public async Task A_device_over_its_byte_cap_loses_its_oldest_clips_first()
    {
        await using var relay = await RelayTestHost.StartAsync(settings: new Dictionary<string, string?> { ["Evidence:MaxMBPerDevice"] = "1" });
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var first = await StoreClipAsync(relay, now - 3000, 400_000);
        var second = await StoreClipAsync(relay, now - 2000, 400_000);
        var third = await StoreClipAsync(relay, now - 1000, 400_000);

        await SweepAsync(relay, clipsLeft: 2);

        Assert.Equal(HttpStatusCode.NotFound, (await relay.Http.GetAsync($"/api/alerts/{first:D}/clip")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await relay.Http.GetAsync($"/api/alerts/{second:D}/clip")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await relay.Http.GetAsync($"/api/alerts/{third:D}/clip")).StatusCode);
        Assert.NotNull(await relay.Store.FindAlertAsync(first, CancellationToken.None));
    }

    /// <summary>
    /// One sweep, then what it left: the relay's own sweep at start-up may run late on a loaded machine and take the
    /// clips first, so the count is taken from the evidence table rather than from this call's return value.
    /// </summary>
    private static async Task SweepAsync(RelayTestHost relay, int clipsLeft)
    {
        await relay.App.Services.GetRequiredService<EvidenceRetention>().SweepAsync(CancellationToken.None);
        var clips = await relay.App.Services.GetRequiredService<IEvidenceStore>().ListClipsAsync(CancellationToken.None);
        Assert.Equal(clipsLeft, clips.Count);
    }

    /// <summary>An alert and its clip as the ingest leaves them, the clip recorded at <paramref name="atMs"/>.</summary>
    private static async Task<Guid> StoreClipAsync(RelayTestHost relay, long atMs, int bytes)
    {
        var id = Guid.CreateVersion7();
        var alert = new Alert
        {
            Id = id, DeviceId = Device, SiteId = Site, Sequence = atMs, Kind = AlertKinds.NoMask,
            Severity = AlertSeverity.Warning, State = AlertState.Raised, TimestampMs = atMs, ClipRef = EdgeTopic.ClipReference(id),
        };
        await relay.Store.InsertAlertsAsync([alert], atMs, enqueueForward: false, CancellationToken.None);
        var path = relay.App.Services.GetRequiredService<ClipFiles>().FinalPath(Site, Device, id)!;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllBytesAsync(path, new byte[bytes]);
        await relay.App.Services.GetRequiredService<IEvidenceStore>().RecordClipAsync(id, Site, Device, bytes, "00", atMs, CancellationToken.None);
        return id;
    }
}
