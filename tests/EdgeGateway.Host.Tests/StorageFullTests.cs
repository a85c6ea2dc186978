using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EdgeGateway.Core.Alerts;
using EdgeGateway.Core.Outbox;
using EdgeGateway.Host.Diagnostics;
using EdgeGateway.Host.Tests.Browser;
using EdgeGateway.Host.Tests.Diagnostics;
using EdgeGateway.Host.Tests.Setup;
using EdgeGateway.Testing;
using EdgeGateway.Uplink;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace EdgeGateway.Host.Tests;

/// <summary>
/// <c>storage_full</c> where a technician and the platform look for it: the real gateway on a full
/// 4 MiB loop-mounted ext4 with its broker down, its diagnostics page's status, <c>edgegw doctor</c>,
/// and the alert a real subscriber receives once the broker is back and the backlog drains.
/// </summary>
[Trait("Category", "Integration")]
public sealed class StorageFullTests(ITestOutputHelper output)
{
    private const string Password = "kitchen-tech-2026";
    private const string Site = "xuhui-0193";
    private const string Device = "kitchen-0042";

    [LoopMountFact]
    public async Task A_full_disk_shows_storage_full_on_the_page_in_doctor_and_upstream_and_clears_once_drained()
    {
        using var disk = SmallDisk.TryMount(4, out var whyNot);
        Assert.True(disk is not null, $"cannot mount a 4 MiB ext4: {whyNot}");
        var data = Path.Combine(disk!.Path, "data");

        // The platform's side: a subscriber with a persistent session on a broker that then goes down.
        await using var broker = await MosquittoBroker.StartAsync(persistence: true);
        await using var platform = await MqttCollector.StartAsync(broker.Url);
        await broker.StopGracefullyAsync();

        var settings = new Dictionary<string, string?>
        {
            ["Device:Id"] = Device,
            ["Device:Site"] = Site,
            ["Storage:DataDir"] = data,
            ["Uplink:Broker"] = broker.Url,
            ["Uplink:ReconnectMinMs"] = "100",
            ["Uplink:ReconnectMaxMs"] = "1000",
            ["Diagnostics:PasswordHash"] = TechnicianPassword.Hash(Password),
            ["Diagnostics:Url"] = "http://127.0.0.1:0",
        };
        var stored = await FillTheOutboxAsync(settings);
        output.WriteLine($"{stored} alarms stored before the disk was full; {disk.FreeBytes} bytes free");

        await using var gateway = await RunningGateway.StartAsync(settings);
        using var technician = new TechnicianClient(new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = gateway.Address });
        using (var login = await technician.LoginAsync(Password))
        {
            login.EnsureSuccessStatusCode();
        }

        // 1. The page's status says storage_full.
        var uplink = await UplinkStatusAsync(technician);
        output.WriteLine(uplink.ToString());
        Assert.Contains("storage_full", Conditions(uplink));
        Assert.Equal(stored, uplink.GetProperty("depth").GetProperty("alarm").GetInt64());

        // 2. edgegw doctor says it, with what to do, while the gateway runs.
        var config = Path.Combine(disk.Path, "..", "gateway.json");
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(Sections(settings)));
        var (_, doctor) = await CliRun.SetupAsync("doctor", "--config", config);
        output.WriteLine(doctor);
        var line = Assert.Single(doctor.Split('\n'), l => l.Contains("storage_full", StringComparison.Ordinal));
        Assert.Contains("FAIL", line, StringComparison.Ordinal);
        Assert.Contains($"{stored} records queued", line, StringComparison.Ordinal);
        Assert.Contains("new alarms are refused until the uplink drains the backlog", line, StringComparison.Ordinal);

        // 3. The broker is back: the platform receives storage_full raised, then the backlog, then cleared.
        await broker.StartAsync();
        await platform.WaitForAsync(c => StorageFullAlerts(c).Any(a => a.State == AlertState.Cleared), TimeSpan.FromSeconds(90));
        var reports = StorageFullAlerts(platform);
        foreach (var report in reports)
        {
            output.WriteLine($"{report.State} {string.Join(", ", report.Attributes.Select(a => $"{a.Key}={a.Value}"))}");
        }

        var raised = Assert.Single(reports, a => a.State == AlertState.Raised);
        Assert.Equal(AlertSeverity.Major, raised.Severity);
        Assert.Equal($"edge/{Site}/{Device}/alert", platform.Messages.First(m => m.AlertId == raised.Id.ToString("D")).Topic);
        Assert.True(long.Parse(raised.Attributes["capacity_bytes"], System.Globalization.CultureInfo.InvariantCulture) < 4L * 1024 * 1024);
        var cleared = Assert.Single(reports, a => a.State == AlertState.Cleared);
        Assert.True(cleared.Sequence > raised.Sequence);
        await platform.WaitForUniqueAlertsAsync(stored + 2, TimeSpan.FromSeconds(30));
        Assert.True(platform.UniqueAlerts >= stored + 2, $"{platform.UniqueAlerts} unique alerts; expected the {stored} stored and the two reports");

        // 4. Drained: the page and the doctor no longer say it.
        await WaitUntilAsync(async () => !Conditions(await UplinkStatusAsync(technician)).Contains("storage_full"), TimeSpan.FromSeconds(30));
        var (_, after) = await CliRun.SetupAsync("doctor", "--config", config);
        var passed = Assert.Single(after.Split('\n'), l => l.Contains("storage_full", StringComparison.Ordinal));
        output.WriteLine(passed);
        Assert.Contains("│ pass ", passed, StringComparison.Ordinal);
    }

    /// <summary>Stores alarms until the disk refuses one, as <c>edgegw outbox inject</c> does; returns how many reached disk.</summary>
    private static async Task<int> FillTheOutboxAsync(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        await using var provider = new ServiceCollection().AddLogging().AddEdgeOutbox(configuration).BuildServiceProvider();
        var sink = provider.GetRequiredService<IAlertSink>();
        var stored = 0;
        var full = 0;

        // Many producers, so the store's group commit shares each fsync among them.
        await Task.WhenAll(Enumerable.Range(0, 64).Select(async _ =>
        {
            while (Volatile.Read(ref full) == 0)
            {
                try
                {
                    await sink.PublishAsync(new AlertDraft(AlertKinds.Test, AlertSeverity.Info, AlertState.Raised));
                    Interlocked.Increment(ref stored);
                }
                catch (OutboxStorageFullException)
                {
                    Volatile.Write(ref full, 1);
                }
            }
        }));
        await provider.GetRequiredService<DurableOutbox>().FlushAsync();
        return stored;
    }

    private static async Task<JsonElement> UplinkStatusAsync(TechnicianClient technician)
    {
        var status = await technician.Http.GetFromJsonAsync<JsonElement>("/api/status");
        return status.GetProperty("uplink");
    }

    private static List<string> Conditions(JsonElement uplink) =>
        [.. uplink.GetProperty("conditions").EnumerateArray().Select(c => c.GetString()!)];

    private static List<Alert> StorageFullAlerts(MqttCollector platform) =>
        [.. platform.Messages.Where(m => m.Topic.EndsWith("/alert", StringComparison.Ordinal))
            .Select(m => AlertCbor.Decode(m.Payload).Alert!)
            .Where(a => a.Kind == AlertKinds.StorageFull)
            .DistinctBy(a => a.Id)];

    /// <summary>The flat settings as the JSON sections of a gateway config file.</summary>
    private static Dictionary<string, Dictionary<string, string?>> Sections(Dictionary<string, string?> settings) =>
        settings.GroupBy(kv => kv.Key.Split(':')[0])
            .ToDictionary(g => g.Key, g => g.ToDictionary(kv => kv.Key.Split(':')[1], kv => kv.Value));

    private static Task WaitUntilAsync(
        Func<Task<bool>> condition, TimeSpan timeout, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(condition))] string? what = null) =>
        Eventually.HoldsAsync(condition, timeout, what);
}
