using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using CloudRelay.Api;
using CloudRelay.Ingest;
using EdgeGateway.Testing;
using MQTTnet;
using MQTTnet.Protocol;

namespace CloudRelay.Tests;

/// <summary>
/// The front door under attack: oversized and never-finished CONNECTs over raw sockets, floods of failed logins,
/// control characters, and devices over their publish, retained and snapshot limits. In each case nothing forged
/// or bad is stored, a device already connected keeps being served, and the relay's memory stays bounded.
/// </summary>
[Trait("Category", "Integration")]
[Collection(MemoryMeasured.Name)]
public sealed class HostileLimitTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task An_oversized_connect_is_closed_from_its_header_without_buffering_it()
    {
        await using var relay = await RelayTestHost.StartAsync();
        var victim = await relay.ConnectAsync(await relay.AddDeviceAsync("s1", "victim"));
        var probe = new MemoryProbe();

        // Declares a 200 MB CONNECT, then sends the start of it and keeps sending.
        using var socket = await HostileClients.OpenAsync(relay.MqttPort);
        var packet = HostileClients.ConnectPacket("edgegw-s1-victim", "s1/victim", "x", declaredRemaining: 200 * 1024 * 1024);
        await socket.SendAsync(packet, SocketFlags.None);
        try
        {
            await socket.SendAsync(new byte[64 * 1024], SocketFlags.None);
        }
        catch (SocketException)
        {
            // Already closed: as it should be.
        }

        Assert.True(await HostileClients.ClosedByPeerWithinAsync(socket, TimeSpan.FromSeconds(5)), "the relay kept an oversized CONNECT open");
        Assert.True(victim.IsConnected);
        Assert.True((await victim.PublishAlertAsync(TestAlerts.Make("s1", "victim"))).IsSuccess);
        await TestAlerts.WaitUntilAsync(() => Task.FromResult(relay.Counters.Limit(LimitNames.PacketTooLarge) == 1), TimeSpan.FromSeconds(5), "the refusal to be counted");
        await AssertOnlyStoredAsync(relay, "victim");
        probe.AssertBounded(allocatedMb: 32);
    }

    [Fact]
    public async Task A_publish_over_the_packet_limit_closes_only_that_connection()
    {
        await using var relay = await RelayTestHost.StartAsync(settings: new Dictionary<string, string?> { ["Limits:MaxPacketBytes"] = "16384" });
        var big = await relay.ConnectAsync(await relay.AddDeviceAsync("s1", "big"));
        var other = await relay.ConnectAsync(await relay.AddDeviceAsync("s1", "other"));
        var probe = new MemoryProbe();

        var oversized = TestAlerts.Make("s1", "big") with { Attributes = new Dictionary<string, string>(StringComparer.Ordinal) { ["note"] = new string('x', 20_000) } };
        await Assert.ThrowsAnyAsync<MQTTnet.Exceptions.MqttCommunicationException>(() => big.PublishAlertAsync(oversized));

        await TestAlerts.WaitUntilAsync(() => Task.FromResult(!big.IsConnected), TimeSpan.FromSeconds(5), "the oversized publisher to be closed");
        Assert.True(other.IsConnected);
        Assert.True((await other.PublishAlertAsync(TestAlerts.Make("s1", "other"))).IsSuccess);
        var stats = await relay.Http.GetJsonAsync<StatsView>("/api/stats");
        Assert.Equal(1, stats.Ingest.Limits[LimitNames.PacketTooLarge]);
        Assert.Null(await relay.Store.FindAlertAsync(oversized.Id, CancellationToken.None));
        await AssertOnlyStoredAsync(relay, "other");
        probe.AssertBounded();
    }

    [Fact]
    public async Task A_connect_that_never_completes_is_closed_after_the_connect_timeout()
    {
        await using var relay = await RelayTestHost.StartAsync(settings: new Dictionary<string, string?> { ["Limits:ConnectTimeout"] = "00:00:02" });
        var victim = await relay.ConnectAsync(await relay.AddDeviceAsync("s1", "victim"));
        var probe = new MemoryProbe();
        var sockets = new List<Socket>();
        for (var i = 0; i < 20; i++)
        {
            var socket = await HostileClients.OpenAsync(relay.MqttPort);
            // Half send the first bytes of a CONNECT and stop (slowloris); half send nothing at all.
            if (i % 2 == 0)
            {
                await socket.SendAsync(HostileClients.ConnectPacket("edgegw-s1-victim", "s1/victim", "x")[..5], SocketFlags.None);
            }

            sockets.Add(socket);
        }

        var started = Stopwatch.StartNew();
        var closed = await Task.WhenAll(sockets.Select(s => HostileClients.ClosedByPeerWithinAsync(s, TimeSpan.FromSeconds(15))));

        Assert.All(closed, Assert.True);
        Assert.InRange(started.Elapsed.TotalSeconds, 1, 12);
        Assert.True(victim.IsConnected);
        Assert.True((await victim.PublishAlertAsync(TestAlerts.Make("s1", "victim"))).IsSuccess);
        await TestAlerts.WaitUntilAsync(() => Task.FromResult(relay.Counters.Limit(LimitNames.ConnectTimeout) == 20), TimeSpan.FromSeconds(30), "each timeout to be counted");
        await AssertOnlyStoredAsync(relay, "victim");
        probe.AssertBounded();
        sockets.ForEach(s => s.Dispose());
    }

    [Fact]
    public async Task A_tls_handshake_that_never_completes_is_closed_after_the_connect_timeout()
    {
        var dataDir = Directory.CreateTempSubdirectory("relay-tls-slow-").FullName;
        var (initExit, _, initError) = await CommandLineTests.RunAsync("certs", "init", "--data-dir", dataDir);
        Assert.True(initExit == 0, initError);
        var tlsPort = FreePort.Next();
        await using var relay = await RelayTestHost.StartAsync(dataDir: dataDir, settings: new Dictionary<string, string?>
        {
            ["Mqtt:TlsPort"] = tlsPort.ToString(CultureInfo.InvariantCulture),
            ["Mqtt:TlsBindAddress"] = "127.0.0.1",
            ["Limits:ConnectTimeout"] = "00:00:02",
        });
        var victim = await relay.ConnectAsync(await relay.AddDeviceAsync("s1", "victim"));
        var probe = new MemoryProbe();
        var sockets = new List<Socket>();
        for (var i = 0; i < 20; i++)
        {
            var socket = await HostileClients.OpenAsync(tlsPort);
            // Half start a TLS ClientHello (record header and a few bytes) and stall; half send nothing at all.
            if (i % 2 == 0)
            {
                await socket.SendAsync(new byte[] { 0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01 }, SocketFlags.None);
            }

            sockets.Add(socket);
        }

        var closed = await Task.WhenAll(sockets.Select(s => HostileClients.ClosedByPeerWithinAsync(s, TimeSpan.FromSeconds(15))));

        Assert.All(closed, Assert.True);
        Assert.True(victim.IsConnected);
        Assert.True((await victim.PublishAlertAsync(TestAlerts.Make("s1", "victim"))).IsSuccess);
        await AssertOnlyStoredAsync(relay, "victim");
        probe.AssertBounded();
        sockets.ForEach(s => s.Dispose());
    }

    [Fact]
    public async Task A_flood_of_failed_logins_is_cut_off_per_address_and_connected_devices_keep_going()
    {
        await using var relay = await RelayTestHost.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Limits:FailedConnectsPerAddress"] = "5",
            // Long enough that the 41 CONNECTs always fall in one window however slow the machine; the window's end is
            // pinned with a fake clock in FailedConnectLimiterTests.
            ["Limits:FailedConnectWindow"] = "00:10:00",
        });
        var credentials = await relay.AddDeviceAsync("s1", "box-1");
        var victim = await relay.ConnectAsync(await relay.AddDeviceAsync("s1", "victim"));
        var probe = new MemoryProbe();

        var codes = new List<MqttClientConnectResultCode>();
        for (var i = 0; i < 40; i++)
        {
            var (client, code) = await HostileClients.ConnectAsync(relay.MqttPort, credentials with { Password = $"guess-{i}" }, "edgegw-s1-box-1");
            codes.Add(code);
            client.Dispose();
        }

        var (blocked, whileBlocked) = await HostileClients.ConnectAsync(relay.MqttPort, credentials, "edgegw-s1-box-1");

        Assert.Equal(5, codes.Count(c => c == MqttClientConnectResultCode.BadUserNameOrPassword));
        Assert.Equal(35, codes.Count(c => c == MqttClientConnectResultCode.ConnectionRateExceeded));
        Assert.Equal(MqttClientConnectResultCode.ConnectionRateExceeded, whileBlocked);
        Assert.True(victim.IsConnected);
        Assert.True((await victim.PublishAlertAsync(TestAlerts.Make("s1", "victim"))).IsSuccess);
        var stats = await relay.Http.GetJsonAsync<StatsView>("/api/stats");
        Assert.Equal(5, stats.Ingest.AuthFailures);
        Assert.Equal(36, stats.Ingest.Limits[LimitNames.FailedConnectRate]);
        await AssertOnlyStoredAsync(relay, "victim");
        probe.AssertBounded();
        blocked.Dispose();
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Control_characters_are_refused_and_other_devices_alerts_in_the_same_batch_are_stored(string db)
    {
        await using var relay = await RelayTestHost.StartAsync(db == "postgres" ? await postgres.NewDatabaseAsync() : null);
        var attacker = await relay.AddDeviceAsync("s1", "nul");
        var others = new List<IMqttClient>();
        for (var i = 0; i < 5; i++)
        {
            others.Add(await relay.ConnectAsync(await relay.AddDeviceAsync("s1", $"other-{i}")));
        }

        var probe = new MemoryProbe();
        var nul = TestAlerts.Make("s1", "nul") with { Kind = "rat\0" };
        var newline = TestAlerts.Make("s1", "nul") with
        {
            Attributes = new Dictionary<string, string>(StringComparer.Ordinal) { ["camera"] = "cam1\nforged: line" },
        };
        var otherAlerts = others.Select((_, i) => Enumerable.Range(0, 50).Select(_ => TestAlerts.Make("s1", $"other-{i}")).ToList()).ToList();

        // The bad ones go in as JSON through mosquitto_pub while the others publish, so they share commits.
        var lines = string.Join('\n', new[] { nul, newline }.Select(a => Encoding.UTF8.GetString(AlertJson.Encode(a)))) + "\n";
        var mosquitto = RunMosquittoLinesAsync(relay, attacker, lines);
        var published = await Task.WhenAll(others.Select((client, i) => Task.WhenAll(otherAlerts[i].Select(a => client.PublishAlertAsync(a)))));
        var (exit, output) = await mosquitto;

        Assert.True(exit == 0, output);
        Assert.All(published.SelectMany(p => p), r => Assert.Equal(MqttClientPublishReasonCode.Success, r.ReasonCode));
        Assert.Null(await relay.Store.FindAlertAsync(nul.Id, CancellationToken.None));
        Assert.Null(await relay.Store.FindAlertAsync(newline.Id, CancellationToken.None));
        Assert.Equal(250, await relay.Store.CountAlertsAsync(CancellationToken.None));
        Assert.Equal(2, relay.Counters.RejectsByReason[RejectReasons.ControlCharacter]);
        Assert.Equal(0, relay.Counters.StoreFailures);
        probe.AssertBounded();
    }

    [Fact]
    public async Task A_device_over_its_publish_rate_is_slowed_not_refused_and_others_are_not_slowed()
    {
        await using var relay = await RelayTestHost.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Limits:PublishesPerSecond"] = "20",
            ["Limits:PublishBurst"] = "10",
        });
        var flooder = await relay.ConnectAsync(await relay.AddDeviceAsync("s1", "flooder"));
        var other = await relay.ConnectAsync(await relay.AddDeviceAsync("s1", "other"));
        var alerts = Enumerable.Range(0, 110).Select(_ => TestAlerts.Make("s1", "flooder")).ToList();

        var started = Stopwatch.StartNew();
        var flood = Task.WhenAll(alerts.Select(a => flooder.PublishAlertAsync(a)));
        // Once the flooder is being slowed, the other device publishes; the flood still needs seconds at its rate.
        await TestAlerts.WaitUntilAsync(() => Task.FromResult(relay.Counters.Limit(LimitNames.PublishRate) > 0), TimeSpan.FromSeconds(30), "the flooder to be slowed");
        var otherStarted = Stopwatch.StartNew();
        var otherResult = await other.PublishAlertAsync(TestAlerts.Make("s1", "other"));
        var otherTook = otherStarted.Elapsed;
        var floodDoneFirst = flood.IsCompleted;
        var results = await flood;
        var floodTook = started.Elapsed;

        Assert.All(results, r => Assert.Equal(MqttClientPublishReasonCode.Success, r.ReasonCode));
        // 100 publishes past a burst of 10 at 20/s: at least 5 s, however fast the machine.
        Assert.True(floodTook.TotalSeconds >= 4.9, $"110 publishes at 20/s after a burst of 10 took only {floodTook.TotalSeconds:F2} s");
        Assert.True(otherResult.IsSuccess);
        // The other device is served while the flood still waits: its one publish takes a small part of the flood's time.
        Assert.False(floodDoneFirst, $"the other device was served only after the flood had drained (its publish took {otherTook.TotalSeconds:F2} s, the flood {floodTook.TotalSeconds:F2} s)");
        Assert.True(otherTook < floodTook / 2, $"the other device's publish took {otherTook.TotalSeconds:F2} s while the flood took {floodTook.TotalSeconds:F2} s");
        Assert.Equal(111, await relay.Store.CountAlertsAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Retained_messages_snapshot_bytes_and_foreign_status_telemetry_and_state_payloads_are_capped_per_device()
    {
        await using var relay = await RelayTestHost.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Limits:MaxRetainedPerDevice"] = "2",
            ["Limits:MaxSnapshotBytesPerDevice"] = "100000",
        });
        var device = await relay.ConnectAsync(await relay.AddDeviceAsync("s1", "box-1"));
        var victimAlert = TestAlerts.Make("s1", "victim");
        var victim = await relay.ConnectAsync(await relay.AddDeviceAsync("s1", "victim"));
        Assert.True((await victim.PublishAlertAsync(victimAlert)).IsSuccess);
        var probe = new MemoryProbe();

        var retained = new List<MqttClientPublishResult>();
        foreach (var name in new[] { "a", "b", "c" })
        {
            retained.Add(await device.PublishAsync($"edge/s1/box-1/cmd/{name}", [1, 2, 3], retain: true));
        }

        var replaced = await device.PublishAsync("edge/s1/box-1/cmd/a", [4], retain: true);
        var firstSnapshot = await device.PublishAsync($"edge/s1/box-1/snapshot/{Guid.NewGuid()}", new byte[60_000]);
        var secondSnapshot = await device.PublishAsync($"edge/s1/box-1/snapshot/{Guid.NewGuid()}", new byte[60_000]);
        var onVictimsAlert = await device.PublishAsync($"edge/s1/box-1/snapshot/{victimAlert.Id}", new byte[100]);
        var foreignStatus = await device.PublishAsync("edge/s1/box-1/status", Encoding.UTF8.GetBytes("""{"site":"s1","device":"victim","state":"ok"}"""));
        var ownStatus = await device.PublishAsync("edge/s1/box-1/status", Encoding.UTF8.GetBytes("""{"site":"s1","device":"box-1","state":"ok"}"""));
        // Every channel holds the payload to the sender's identity: telemetry and state too.
        var foreignTelemetry = await device.PublishAsync("edge/s1/box-1/telemetry", Encoding.UTF8.GetBytes("""{"site":"s1","device":"victim","runs":3}"""));
        var foreignState = await device.PublishAsync("edge/s1/box-1/state", Encoding.UTF8.GetBytes("""{"site":"s1","device":"victim","state":"offline"}"""));
        var ownState = await device.PublishAsync("edge/s1/box-1/state", Encoding.UTF8.GetBytes("online"));

        Assert.Equal(MqttClientPublishReasonCode.QuotaExceeded, retained[2].ReasonCode);
        Assert.NotEqual(MqttClientPublishReasonCode.QuotaExceeded, retained[0].ReasonCode);
        Assert.NotEqual(MqttClientPublishReasonCode.QuotaExceeded, replaced.ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.Success, firstSnapshot.ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.QuotaExceeded, secondSnapshot.ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, onVictimsAlert.ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, foreignStatus.ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.Success, ownStatus.ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, foreignTelemetry.ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, foreignState.ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.Success, ownState.ReasonCode);
        Assert.True(victim.IsConnected);
        Assert.False(File.Exists(DeviceMessageIngestor.SnapshotPath(relay.DataDir, "s1", "box-1", victimAlert.Id)));
        Assert.True(device.IsConnected);
        var stats = await relay.Http.GetJsonAsync<StatsView>("/api/stats");
        Assert.Equal(1, stats.Ingest.Limits[LimitNames.RetainedCap]);
        Assert.Equal(1, stats.Ingest.Limits[LimitNames.SnapshotBytes]);
        probe.AssertBounded();
    }

    /// <summary>Nothing forged got in: every stored alert is one that <paramref name="devices"/> published themselves.</summary>
    private static async Task AssertOnlyStoredAsync(RelayTestHost relay, params string[] devices)
    {
        var page = await relay.Http.GetJsonAsync<AlertPageView>("/api/alerts?limit=1000");
        Assert.NotEmpty(page.Items);
        Assert.All(page.Items, a => Assert.Contains(a.Device, devices));
    }

    private static Task<(int Exit, string Output)> RunMosquittoLinesAsync(RelayTestHost relay, CloudRelay.Devices.DeviceCredentials credentials, string lines)
    {
        // -l: one message per stdin line, several in flight.
        return RunWithStdinAsync("mosquitto_pub", lines,
            "-h", "127.0.0.1", "-p", relay.MqttPort.ToString(CultureInfo.InvariantCulture), "-V", "5", "-q", "1",
            "-i", $"edgegw-{credentials.Site}-{credentials.Device}", "-u", credentials.Username, "-P", credentials.Password,
            "-t", $"edge/{credentials.Site}/{credentials.Device}/alert", "-l");
    }

    private static async Task<(int Exit, string Output)> RunWithStdinAsync(string program, string input, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardInput = true, RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        await process.StandardInput.WriteAsync(input);
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
