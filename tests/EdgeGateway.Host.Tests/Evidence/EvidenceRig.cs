using System.Diagnostics;
using System.Globalization;
using CloudRelay.Evidence;
using CloudRelay.Hosting;
using EdgeGateway.Core.Evidence;
using EdgeGateway.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.Host.Tests.Evidence;

/// <summary>A relay in-process on fixed free ports (so it can be stopped and started again) and helpers for clips.</summary>
internal sealed class EvidenceRig : IAsyncDisposable
{
    public EvidenceRig(string work)
    {
        Work = work;
        RelayData = Path.Combine(work, "relay");
        BoxData = Path.Combine(work, "box");
    }

    public string Work { get; }

    public string RelayData { get; }

    public string BoxData { get; }

    public int MqttPort { get; } = FreePort.Next();

    public string HttpUrl { get; } = $"http://127.0.0.1:{FreePort.Next()}";

    public WebApplication? Relay { get; private set; }

    public HttpClient Api { get; private set; } = new();

    public async Task<WebApplication> StartRelayAsync()
    {
        Relay = RelayHost.Build(new RelayStartOptions
        {
            MqttPort = MqttPort,
            MqttBindAddress = "127.0.0.1",
            AllowPlaintext = true,
            HttpUrl = HttpUrl,
            DataDir = RelayData,
            LogLevel = LogLevel.Warning,
        });
        await Relay.StartAsync();
        Api.Dispose();
        Api = new HttpClient { BaseAddress = new Uri(HttpUrl) };
        // One key for the rig's data folder, made on the first start and kept across relay restarts.
        ApiKey ??= await Relay.CreateApiKeyAsync("evidence-test", CloudRelay.Api.ApiScopes.Admin);
        Api.DefaultRequestHeaders.Add(CloudRelay.Api.RelayApi.ApiKeyHeader, ApiKey);
        return Relay;
    }

    /// <summary>An admin API key of the rig's relay.</summary>
    public string? ApiKey { get; private set; }

    public async Task StopRelayAsync()
    {
        if (Relay is { } relay)
        {
            await relay.StopAsync();
            await relay.DisposeAsync();
            Relay = null;
        }
    }

    /// <summary>Registers the box at the relay with the public half of its evidence key, as <c>devices add --public-key</c> does.</summary>
    public async Task<(string Username, string Password)> RegisterBoxAsync(string site, string device)
    {
        var credentials = await Relay!.RegisterDeviceAsync(site, device);
        using var key = EvidenceSigningKey.LoadOrCreate(EvidenceOptions.DefaultKeyPath(BoxData), out _);
        await Relay!.Services.GetRequiredService<DeviceSigningKeys>().RegisterAsync(site, device, key.PublicKeyPem, CancellationToken.None);
        return (credentials.Username, credentials.Password);
    }

    public Dictionary<string, string?> BoxSettings(string site, string device, (string Username, string Password) credentials) => new()
    {
        ["Device:Id"] = device,
        ["Device:Site"] = site,
        ["Uplink:Broker"] = $"mqtt://127.0.0.1:{MqttPort}",
        ["Uplink:Username"] = credentials.Username,
        ["Uplink:Password"] = credentials.Password,
        ["Uplink:ReconnectMinMs"] = "200",
        ["Uplink:ReconnectMaxMs"] = "1000",
        ["Storage:DataDir"] = BoxData,
        ["Diagnostics:Url"] = "http://127.0.0.1:0",
    };

    /// <summary>The relay's evidence JSON for an alert, or null while it has none.</summary>
    public async Task<System.Text.Json.JsonElement?> EvidenceAsync(Guid alertId)
    {
        using var response = await Api.GetAsync($"/api/alerts/{alertId:D}/evidence");
        return response.IsSuccessStatusCode
            ? System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone()
            : null;
    }

    /// <summary>Waits until the relay has verified (or refused) the alert's evidence.</summary>
    public async Task<System.Text.Json.JsonElement> VerifiedEvidenceAsync(Guid alertId, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (await EvidenceAsync(alertId) is { } evidence && evidence.GetProperty("verify_note").ValueKind == System.Text.Json.JsonValueKind.String)
            {
                return evidence;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the relay did not verify the evidence of alert {alertId:D} within {timeout.TotalSeconds} s");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>A real H.264 clip made from the shared faces clip: <paramref name="loops"/> times its 10 s, a keyframe every second.</summary>
    public static async Task<string> MakeClipAsync(string path, int loops = 2)
    {
        await RunAsync("ffmpeg", "-nostdin", "-v", "error", "-stream_loop", (loops - 1).ToString(CultureInfo.InvariantCulture),
            "-i", RepoPaths.SharedFile("video", "faces-mask-mixed-720p-10fps.mp4"),
            "-c:v", "libx264", "-preset", "ultrafast", "-g", "10", "-pix_fmt", "yuv420p", "-an", "-y", path);
        return path;
    }

    /// <summary>ffprobe's codec name and duration (seconds) of the first video stream.</summary>
    public static async Task<(string Codec, double Seconds)> ProbeAsync(string path)
    {
        var output = await RunAsync("ffprobe", "-v", "error", "-select_streams", "v:0",
            "-show_entries", "stream=codec_name:format=duration", "-of", "default=noprint_wrappers=1", path);
        var values = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1].Trim());
        return (values["codec_name"], double.Parse(values["duration"], CultureInfo.InvariantCulture));
    }

    public static async Task<string> RunAsync(string program, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return process.ExitCode == 0 ? await output : throw new InvalidOperationException($"{program} failed: {await errors}");
    }

    public async ValueTask DisposeAsync()
    {
        await StopRelayAsync();
        Api.Dispose();
    }
}
