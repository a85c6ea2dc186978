using System.Diagnostics;
using EdgeGateway.Testing;

namespace EdgeGateway.Vision.Tests;

/// <summary>A real GStreamer RTSP server process (rtsp_server.py) serving a clip; kill and restart it to drop the stream.</summary>
internal sealed class RtspServer(string clip) : IAsyncDisposable
{
    private Process? _process;

    public int Port { get; } = FreePort.Next();

    public string Url => $"rtsp://127.0.0.1:{Port}/cam";

    public async Task StartAsync()
    {
        var script = Path.Combine(AppContext.BaseDirectory, "rtsp_server.py");
        _process = Process.Start(new ProcessStartInfo("/usr/bin/python3", [script, Port.ToString(System.Globalization.CultureInfo.InvariantCulture), clip])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("the RTSP server did not start");
        await FreePort.WaitUntilListeningAsync(Port, TimeSpan.FromSeconds(15));
    }

    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        _process?.Dispose();
        _process = null;
    }

    public ValueTask DisposeAsync() => new(KillAsync());
}
