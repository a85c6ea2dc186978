using System.Net;
using System.Net.Sockets;
using EdgeGateway.Testing;
using EdgeGateway.Vision.Configuration;
using EdgeGateway.Vision.Sources;

namespace EdgeGateway.Vision.Tests;

/// <summary>Camera passwords as installers type them ('#', '?', '/' unencoded) never reach a log line.</summary>
[Trait("Category", "Unit")]
public sealed class CameraUrlRedactionTests
{
    [Theory]
    [InlineData("rtsp://admin:Pa#ss@10.0.0.21:554/stream1", "rtsp://admin:***@10.0.0.21:554/stream1")]
    [InlineData("rtsp://admin:wh?at@10.0.0.21/stream1", "rtsp://admin:***@10.0.0.21/stream1")]
    [InlineData("rtsp://admin:a/b/c@10.0.0.21/Streaming/Channels/101", "rtsp://admin:***@10.0.0.21/Streaming/Channels/101")]
    [InlineData("rtsp://admin:1234/x@10.0.0.21/live", "rtsp://admin:***@10.0.0.21/live")]
    [InlineData("http://viewer:q#z?/9@cam.local:8080/video.mjpg?fps=5", "http://viewer:***@cam.local:8080/video.mjpg?fps=5")]
    [InlineData("https://viewer:pl%40in@cam.local/mjpg", "https://viewer:***@cam.local/mjpg")]
    [InlineData("rtsp://admin:p@ss@10.0.0.21/stream1", "rtsp://admin:***@10.0.0.21/stream1")]
    [InlineData("rtsp://admin:@10.0.0.21/stream1", "rtsp://admin:***@10.0.0.21/stream1")]
    [InlineData("rtsp://viewer@10.0.0.21/stream1", "rtsp://viewer@10.0.0.21/stream1")]
    [InlineData("rtsp://10.0.0.21:554/stream1", "rtsp://10.0.0.21:554/stream1")]
    [InlineData("/var/lib/edgegw/clips/a@b:c.mp4", "/var/lib/edgegw/clips/a@b:c.mp4")]
    [InlineData("/dev/video0", "/dev/video0")]
    public void The_password_is_hidden_whatever_it_holds(string url, string shown)
    {
        Assert.Equal(shown, CameraUrl.Redact(url));
    }

    [Fact]
    public void A_password_with_a_slash_is_neither_host_nor_port()
    {
        var endpoint = CameraUrl.Endpoint("rtsp://admin:1234/x@10.0.0.21/live");
        Assert.Equal("10.0.0.21", endpoint!.Host);
        Assert.Equal(554, endpoint.Port);
        Assert.True(CameraUrl.TryClassify("rtsp://admin:Pa#ss?w/rd@10.0.0.21/live", out var kind));
        Assert.Equal(SourceKind.Rtsp, kind);
        Assert.True(CameraUrl.TryClassify("http://viewer:q#z?/9@cam.local:8080/video.mjpg", out kind));
        Assert.Equal(SourceKind.Http, kind);
    }

    [Fact]
    public void An_error_line_that_quotes_the_url_or_the_password_shows_neither()
    {
        const string url = "rtsp://admin:Pa#ss?w/rd@10.0.0.21/live";
        Assert.Equal(
            "[rtsp @ 0x55] method DESCRIBE failed: 401 Unauthorized for rtsp://admin:***@10.0.0.21/live",
            CameraUrl.RedactLine("[rtsp @ 0x55] method DESCRIBE failed: 401 Unauthorized for rtsp://admin:Pa#ss?w/rd@10.0.0.21/live", url));
        // FFmpeg may quote the password alone or percent-decoded, or the URL as it re-wrote it.
        Assert.DoesNotContain("Pa#ss", CameraUrl.RedactLine("bad password 'Pa#ss?w/rd'", url), StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr", CameraUrl.RedactLine("opening rtsp://admin:s3cr%23t@10.0.0.21/live", "rtsp://admin:s3cr%23t@10.0.0.21/live"), StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr", CameraUrl.RedactLine("opening rtsp://admin:s3cr#t@10.0.0.21/live", "rtsp://admin:s3cr%23t@10.0.0.21/live"), StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_camera_url_is_reported_without_its_password()
    {
        var options = new VisionOptions { Cameras = [new CameraOptions { Id = "k1", Url = "ftp://admin:Pa#ss?w/rd@10.0.0.21/live", Role = "kitchen", Model = "m" }] };
        var failures = new VisionOptionsValidator().Validate(null, options).Failures ?? [];
        var line = Assert.Single(failures, f => f.Contains("Cameras:0:Url", StringComparison.Ordinal));
        Assert.Contains("ftp://admin:***@10.0.0.21/live", line, StringComparison.Ordinal);
        Assert.DoesNotContain("Pa#ss", line, StringComparison.Ordinal);
    }
}

/// <summary>A real run: the cameras fail against a refused port and a silent one, and nothing they log holds the password.</summary>
[Trait("Category", "Integration")]
[Collection(RealtimePipelines.Name)]
public sealed class CameraPasswordLogTests
{
    [Fact]
    public async Task Failing_cameras_with_passwords_full_of_url_characters_log_no_password()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var silentPort = ((IPEndPoint)silent.LocalEndpoint).Port;
        var accepted = new List<Socket>();
        _ = Task.Run(async () =>
        {
            while (true)
            {
                try
                {
                    accepted.Add(await silent.AcceptSocketAsync());
                }
                catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
                {
                    return;
                }
            }
        });
        string[] secrets = ["Pa55#wo?rd/k1tch", "Qz9x#?/mjpgZ7"];
        await using var vision = VisionHarness.Create(new Dictionary<string, string?>
        {
            ["Cameras:0:Id"] = "refused",
            ["Cameras:0:Url"] = $"rtsp://admin:{secrets[0]}@127.0.0.1:{FreePort.Next()}/stream",
            ["Cameras:0:OpenTimeoutSeconds"] = "2",
            ["Cameras:1:Id"] = "silent",
            ["Cameras:1:Url"] = $"http://viewer:{secrets[1]}@127.0.0.1:{silentPort}/video.mjpg",
            ["Cameras:1:OpenTimeoutSeconds"] = "2",
        });
        await vision.StartAsync();
        var stats = vision.Pipeline.Stats;
        var reported = await VisionHarness.WaitUntilAsync(
            () => stats["refused"].LastError?.Contains("connection refused", StringComparison.Ordinal) == true
                  && stats["silent"].LastError is not null,
            TimeSpan.FromSeconds(30));
        await vision.StopAsync();
        silent.Stop();

        var said = vision.Logs.Lines.Concat([stats["refused"].LastError ?? string.Empty, stats["silent"].LastError ?? string.Empty]).ToList();
        Assert.True(reported, $"the cameras did not fail as expected: {string.Join(" | ", said)}");
        Assert.Contains("viewer:***@127.0.0.1", stats["silent"].LastError, StringComparison.Ordinal);
        foreach (var fragment in secrets.SelectMany(s => s.Split('#', '?', '/')).Where(f => f.Length >= 4))
        {
            Assert.DoesNotContain(said, l => l.Contains(fragment, StringComparison.Ordinal));
        }

        foreach (var socket in accepted)
        {
            socket.Dispose();
        }
    }
}
