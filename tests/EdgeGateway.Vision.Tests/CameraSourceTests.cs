using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using EdgeGateway.Testing;
using Xunit.Abstractions;

namespace EdgeGateway.Vision.Tests;

/// <summary>Real sources going wrong: a real RTSP server killed and restarted, broken files, refused and silent URLs.</summary>
[Trait("Category", "Integration")]
[Collection(RealtimePipelines.Name)]
public sealed class CameraSourceTests(ITestOutputHelper output) : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("edgegw-sources-");

    [Fact]
    public async Task Rtsp_camera_reconnects_on_its_own_after_the_server_is_killed_and_restarted()
    {
        await using var server = new RtspServer(RepoPaths.SharedFile("video", "street-720p-10fps.mp4"));
        await server.StartAsync();
        await using var vision = VisionHarness.Create(new Dictionary<string, string?>
        {
            ["Cameras:0:Id"] = "lobby",
            ["Cameras:0:Url"] = server.Url,
            ["Cameras:0:Role"] = "kitchen",
            ["Cameras:0:AnalysisFps"] = "2",
            ["Cameras:0:OpenTimeoutSeconds"] = "8",
            ["Cameras:0:ReconnectMinSeconds"] = "0.5",
            ["Cameras:0:ReconnectMaxSeconds"] = "2",
        });
        await vision.StartAsync();
        var stats = vision.Pipeline.Stats["lobby"];
        Assert.True(await VisionHarness.WaitUntilAsync(() => stats.FramesAnalysed >= 3, TimeSpan.FromSeconds(30)), $"no frames from {server.Url}: {stats.LastError}");

        await server.KillAsync();
        Assert.True(await VisionHarness.WaitUntilAsync(() => !stats.Connected && stats.LastError is not null, TimeSpan.FromSeconds(15)), "the drop was not noticed");
        var errorWhileDown = stats.LastError;

        // Two more failed attempts while the server is down: the capped exponential backoff
        // (0.5 s, 1 s, 2 s ...) makes them wait at least a second between them, never hammer.
        var reconnectsAtDrop = stats.Reconnects;
        var sinceDrop = Stopwatch.StartNew();
        Assert.True(await VisionHarness.WaitUntilAsync(() => stats.Reconnects >= reconnectsAtDrop + 2, TimeSpan.FromSeconds(30)),
            $"no retries while the camera was down: {stats.Reconnects} reconnects");
        var retryTime = sinceDrop.Elapsed;
        var reconnectsWhileDown = stats.Reconnects;
        var framesBefore = stats.FramesIn;
        await server.StartAsync();

        Assert.True(await VisionHarness.WaitUntilAsync(() => stats.Connected && stats.FramesIn > framesBefore + 5, TimeSpan.FromSeconds(30)),
            $"did not reconnect after the server came back: {stats.LastError}");
        output.WriteLine($"while down: {errorWhileDown}; reconnects {stats.Reconnects}");
        foreach (var line in vision.Logs.Lines.Where(l => l.Contains("reconnect", StringComparison.Ordinal)))
        {
            output.WriteLine(line);
        }

        Assert.Contains("127.0.0.1", errorWhileDown, StringComparison.Ordinal);
        Assert.True(retryTime >= TimeSpan.FromSeconds(1), $"two retries took only {retryTime.TotalMilliseconds:F0} ms: no backoff");
        Assert.InRange(reconnectsWhileDown, reconnectsAtDrop + 2, 10);
        Assert.Null(stats.LastError);
        // Each reconnect is logged once.
        Assert.Equal(stats.Reconnects, vision.Logs.Lines.Count(l => l.Contains("reconnect ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Http_mjpeg_camera_from_a_real_ffmpeg_server_is_analysed_and_its_drop_reported()
    {
        var port = FreePort.Next();
        var url = $"http://127.0.0.1:{port}/video.mjpg";
        using var server = Process.Start(new ProcessStartInfo("ffmpeg",
            ["-loglevel", "error", "-re", "-i", RepoPaths.SharedFile("video", "street-720p-10fps.mp4"), "-an", "-c:v", "mjpeg", "-q:v", "5", "-f", "mpjpeg", "-listen", "1", url])
        {
            UseShellExecute = false,
            RedirectStandardError = true,
        })!;
        // The server takes exactly one client, so wait for its listening socket without connecting.
        Assert.True(await VisionHarness.WaitUntilAsync(() => IsListening(port), TimeSpan.FromSeconds(15)), "the MJPEG server did not listen");
        await using var vision = VisionHarness.Create(new Dictionary<string, string?>
        {
            ["Cameras:0:Id"] = "pass",
            ["Cameras:0:Url"] = url,
            ["Cameras:0:Role"] = "car",
            ["Cameras:0:AnalysisFps"] = "5",
            ["Cameras:0:ReconnectMinSeconds"] = "0.5",
        });
        await vision.StartAsync();
        var stats = vision.Pipeline.Stats["pass"];

        Assert.True(await VisionHarness.WaitUntilAsync(() => stats.FramesAnalysed >= 5, TimeSpan.FromSeconds(20)), $"no MJPEG frames analysed: {stats.LastError}");
        Assert.True(vision.Pipeline.TryGetLatestAnnotatedJpeg("pass", out var annotated));
        ClipPipelineTests.AssertSnapshot(annotated);

        // The one-client server ends with the clip: the camera must say so, not hang.
        server.Kill();
        Assert.True(await VisionHarness.WaitUntilAsync(() => !stats.Connected && stats.LastError is not null, TimeSpan.FromSeconds(20)), "the dropped MJPEG stream was not reported");
        output.WriteLine(stats.LastError);
    }

    [Fact]
    public async Task Broken_refused_and_silent_cameras_report_clear_errors_while_a_good_camera_keeps_running()
    {
        var clip = RepoPaths.SharedFile("video", "street-720p-10fps.mp4");
        var corrupt = Path.Combine(_folder.FullName, "corrupt.mp4");
        await File.WriteAllBytesAsync(corrupt, [.. Enumerable.Range(0, 100_000).Select(i => (byte)(i * 7919 % 251))]);
        var cutBeforeIndex = Path.Combine(_folder.FullName, "cut.mp4");
        var bytes = await File.ReadAllBytesAsync(clip);
        await File.WriteAllBytesAsync(cutBeforeIndex, bytes[..(bytes.Length / 2)]);
        var truncated = await TruncatedFastStartAsync(clip);
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var accepted = new List<Socket>();
        _ = AcceptForeverAsync(silent, accepted);
        var silentPort = ((IPEndPoint)silent.LocalEndpoint).Port;

        await using var vision = VisionHarness.Create(new Dictionary<string, string?>
        {
            ["Cameras:0:Id"] = "good",
            ["Cameras:0:Url"] = clip,
            ["Cameras:0:Loop"] = "true",
            ["Cameras:0:AnalysisFps"] = "5",
            ["Cameras:1:Id"] = "corrupt",
            ["Cameras:1:Url"] = corrupt,
            ["Cameras:2:Id"] = "cut",
            ["Cameras:2:Url"] = cutBeforeIndex,
            ["Cameras:3:Id"] = "truncated",
            ["Cameras:3:Url"] = truncated,
            ["Cameras:4:Id"] = "refused",
            ["Cameras:4:Url"] = $"rtsp://admin:s3cret@127.0.0.1:{FreePort.Next()}/stream",
            ["Cameras:5:Id"] = "silent",
            ["Cameras:5:Url"] = $"http://127.0.0.1:{silentPort}/video.mjpg",
            ["Cameras:5:OpenTimeoutSeconds"] = "2",
        });
        await vision.StartAsync();
        var stats = vision.Pipeline.Stats;

        var expected = new Dictionary<string, string>
        {
            ["corrupt"] = "corrupt",
            ["cut"] = "corrupt, truncated",
            ["truncated"] = "truncated",
            ["refused"] = "connection refused",
            ["silent"] = "within 2 s",
        };
        var allReported = await VisionHarness.WaitUntilAsync(
            () => expected.All(e => stats[e.Key].LastError?.Contains(e.Value, StringComparison.Ordinal) == true),
            TimeSpan.FromSeconds(30));
        foreach (var health in vision.Pipeline.GetHealth())
        {
            output.WriteLine($"{health.CameraId}: connected={health.Connected} in={health.FramesIn} analysed={health.FramesAnalysed} reconnects={health.Reconnects} error={health.LastError}");
        }

        Assert.True(allReported, "not every broken camera reported its error");
        var analysed = stats["good"].FramesAnalysed;
        Assert.True(await VisionHarness.WaitUntilAsync(() => stats["good"].FramesAnalysed >= analysed + 5, TimeSpan.FromSeconds(30)),
            $"the good camera stalled while the others failed: {stats["good"].FramesAnalysed - analysed} more frames analysed");
        Assert.Null(stats["good"].LastError);
        Assert.All(expected.Keys, id => Assert.False(stats[id].Connected));
        Assert.DoesNotContain("s3cret", stats["refused"].LastError, StringComparison.Ordinal);
        Assert.DoesNotContain(vision.Logs.Lines, l => l.Contains("s3cret", StringComparison.Ordinal));
        foreach (var socket in accepted)
        {
            socket.Dispose();
        }
    }

    /// <summary>Whether a loopback TCP port is in LISTEN state, read from /proc so nothing connects to it.</summary>
    private static bool IsListening(int port)
    {
        var hex = $":{port:X4} ";
        return File.ReadLines("/proc/net/tcp").Any(line => line.Contains(hex, StringComparison.Ordinal)
            && line.Split(' ', StringSplitOptions.RemoveEmptyEntries) is [_, var local, _, "0A", ..] && local.EndsWith($":{port:X4}", StringComparison.Ordinal));
    }

    private static async Task AcceptForeverAsync(TcpListener listener, List<Socket> accepted)
    {
        try
        {
            while (true)
            {
                // Accepts and never answers: a camera that sends no frames.
                accepted.Add(await listener.AcceptSocketAsync());
            }
        }
        catch (ObjectDisposedException)
        {
        }
        catch (SocketException)
        {
        }
    }

    /// <summary>The clip re-muxed with its index first (ffmpeg), then cut in half: it opens, then ends early.</summary>
    private async Task<string> TruncatedFastStartAsync(string clip)
    {
        var remuxed = Path.Combine(_folder.FullName, "faststart.mp4");
        using var ffmpeg = Process.Start(new ProcessStartInfo("ffmpeg", ["-loglevel", "error", "-y", "-i", clip, "-c", "copy", "-movflags", "+faststart", remuxed])
        {
            UseShellExecute = false,
            RedirectStandardError = true,
        })!;
        await ffmpeg.WaitForExitAsync();
        Assert.Equal(0, ffmpeg.ExitCode);
        var bytes = await File.ReadAllBytesAsync(remuxed);
        var truncated = Path.Combine(_folder.FullName, "truncated.mp4");
        await File.WriteAllBytesAsync(truncated, bytes[..(bytes.Length / 2)]);
        return truncated;
    }

    public void Dispose() => _folder.Delete(recursive: true);
}
