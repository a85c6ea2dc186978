using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using EdgeGateway.Vision.Models;
using EdgeGateway.Vision.Native;

namespace EdgeGateway.Host.Gateway;

/// <summary>
/// <c>edgegw demo</c>: the product's main job on its embedded defaults. The relay runs as its own
/// process (<see cref="DemoRelay"/>) with its embedded MQTT broker and SQLite; the gateway reads the street clip through
/// FFmpeg, runs YOLOX-Nano, raises <c>ebike_in_car</c>, and sends it through its on-disk outbox
/// with QoS 1. Every alert the relay stores is printed as it arrives.
/// </summary>
internal static class DemoCommand
{
    private const string DemoModel = "yolox-nano-coco80";
    private const string DemoSite = "demo-site";
    private const string DemoDevice = "demo-gw";

    public static Command Create()
    {
        var seconds = new Option<int>("--seconds")
        {
            Description = "How long to run before exiting",
            DefaultValueFactory = _ => 30,
        };
        var clip = new Option<string?>("--clip")
        {
            Description = "Video to read instead of the shared street clip",
        };
        var demo = new Command("demo", "Run relay and gateway together on a real clip and print the alerts the relay stores") { seconds, clip };
        demo.SetAction((parseResult, cancellationToken) =>
            RunAsync(parseResult.GetValue(seconds), parseResult.GetValue(clip), Console.Out, Console.Error, cancellationToken));
        return demo;
    }

    internal static async Task<int> RunAsync(int seconds, string? clipPath, TextWriter output, TextWriter errors, CancellationToken cancellationToken)
    {
        if (seconds is < 1 or > 86_400)
        {
            await errors.WriteLineAsync($"--seconds {seconds}: expected 1..86400");
            return 2;
        }

        // The demo is all vision: without OpenCV's native half, say what to install before starting anything.
        NativeVision.EnsureAvailable();
        var catalog = new ModelCatalog();
        var clip = clipPath ?? DefaultClip(catalog);
        if (clip is null || !File.Exists(clip))
        {
            await errors.WriteLineAsync(
                $"demo clip '{clip ?? "street-720p-10fps.mp4"}' not found; expected ../shared/video/street-720p-10fps.mp4 beside the checkout, EDGEGW_SHARED, or --clip <file>");
            return 2;
        }

        try
        {
            // The demo fetches (and verifies) the weights itself when they are missing.
            var model = await catalog.EnsureFetchedAsync(DemoModel, new Progress<string>(line => output.WriteLine($"model: {line}")), cancellationToken: cancellationToken);
            await output.WriteLineAsync($"model: {model.Manifest.Name} ready (sha256 verified)");
        }
        catch (ModelException ex)
        {
            await errors.WriteLineAsync(ex.Message);
            return 2;
        }

        var work = Directory.CreateTempSubdirectory("edgegw-demo-").FullName;
        var mqttPort = FreeLoopbackPort();
        await output.WriteLineAsync($"demo: working folder {work}");

        var relayData = Path.Combine(work, "relay");
        await using var relay = await DemoRelay.StartAsync(relayData, mqttPort, FreeLoopbackPort(), errors, cancellationToken);
        if (relay is null)
        {
            return 2;
        }

        (string Username, string Password) credentials;
        try
        {
            credentials = await relay.RegisterDeviceAsync(DemoSite, DemoDevice, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            await errors.WriteLineAsync($"demo: the relay refused to register {DemoSite}/{DemoDevice}: {ex.Message}; relay output: {relay.Log.Trim()}");
            return 2;
        }

        await output.WriteLineAsync($"relay: cloud-relay process with its embedded MQTT broker on 127.0.0.1:{mqttPort}, SQLite in {relayData}");

        var received = 0;
        async Task PrintStoredAsync(CancellationToken token)
        {
            IReadOnlyList<string> stored;
            try
            {
                stored = await relay.NewAlertsAsync(token);
            }
            catch (HttpRequestException ex)
            {
                await errors.WriteLineAsync($"demo: cannot read the relay's alerts: {ex.Message}; relay output: {relay.Log.Trim()}");
                return;
            }

            foreach (var alert in stored)
            {
                received++;
                await output.WriteLineAsync($"relay stored: {alert}");
            }
        }

        var settings = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Device:Id"] = DemoDevice,
            ["Device:Site"] = DemoSite,
            ["Uplink:Broker"] = $"mqtt://127.0.0.1:{mqttPort}",
            ["Uplink:Username"] = credentials.Username,
            ["Uplink:Password"] = credentials.Password,
            ["Uplink:Encoding"] = "cbor",
            ["Storage:DataDir"] = Path.Combine(work, "gateway"),
            ["Models:CacheDir"] = catalog.CacheDir,
            ["Cameras:0:Id"] = "car-1",
            ["Cameras:0:Url"] = clip,
            ["Cameras:0:Role"] = "car",
            ["Cameras:0:AnalysisFps"] = "5",
            ["Cameras:0:Model"] = DemoModel,
            ["Diagnostics:Url"] = "http://127.0.0.1:0",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Error",
            ["Logging:LogLevel:EdgeGateway"] = "Information",
        }).Build();

        await output.WriteLineAsync($"gateway: camera car-1 reads {clip} through FFmpeg; e-bike rule: bicycle/motorcycle for 2 s");
        await using (var gateway = GatewayApp.Build(settings))
        {
            await gateway.StartAsync(cancellationToken);
            var end = TimeProvider.System.GetTimestamp() + (long)(seconds * (double)TimeProvider.System.TimestampFrequency);
            try
            {
                // Print each alert as the relay stores it.
                while (TimeProvider.System.GetTimestamp() < end)
                {
                    await PrintStoredAsync(cancellationToken);
                    await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
                }
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C ends the demo early; still report what arrived.
            }

            await gateway.StopAsync(CancellationToken.None);
        }

        // What the outbox delivered while the gateway stopped.
        await PrintStoredAsync(CancellationToken.None);
        var count = received;
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"demo: the relay stored {count} alert(s) in {seconds} s"));
        if (count == 0)
        {
            await errors.WriteLineAsync("demo: no alert reached the relay; see the log lines above");
            return 1;
        }

        return 0;
    }

    private static string? DefaultClip(ModelCatalog catalog)
    {
        // The shared folder holds models/ and video/ side by side.
        var sharedModels = catalog.SharedDir;
        return sharedModels is null
            ? null
            : Path.Combine(Path.GetDirectoryName(sharedModels)!, "video", "street-720p-10fps.mp4");
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
