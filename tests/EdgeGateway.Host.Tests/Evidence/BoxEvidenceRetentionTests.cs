using EdgeGateway.Core.Alerts;
using EdgeGateway.Core.Evidence;
using EdgeGateway.Core.Outbox;
using EdgeGateway.Host.Gateway;
using EdgeGateway.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeGateway.Host.Tests.Evidence;

/// <summary>The box's clip retention: oldest first, by age and by Evidence:BudgetMB, and never an alarm in the outbox.</summary>
[Trait("Category", "Integration")]
public sealed class BoxEvidenceRetentionTests : IDisposable
{
    private readonly TempDirectory _work = new("edgegw-evidence-retention-");

    [Fact]
    public async Task Old_clips_and_clips_over_the_budget_go_oldest_first_and_queued_alarms_stay()
    {
        var services = GatewayServiceCollectionExtensions.BuildGatewayServices(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Device:Id"] = "box-r",
            ["Device:Site"] = "site-r",
            // Nothing listens: the alarm stays queued.
            ["Uplink:Broker"] = $"mqtt://127.0.0.1:{FreePort.Next()}",
            ["Storage:DataDir"] = _work.Path,
            ["Evidence:RetentionDays"] = "15",
            ["Evidence:BudgetMB"] = "16",
        }).Build());
        await using (services)
        {
            await services.GetRequiredService<IAlertSink>().PublishAsync(new AlertDraft(AlertKinds.NoMask, AlertSeverity.Warning, AlertState.Raised));
            var folder = services.GetRequiredService<EvidenceFolder>();
            var now = DateTime.UtcNow;
            var expired = Clip(folder, now.AddDays(-16), 1024);
            var older = Clip(folder, now.AddHours(-2), 9 * 1024 * 1024);
            var newer = Clip(folder, now.AddHours(-1), 9 * 1024 * 1024);

            Assert.Equal(2, services.GetRequiredService<EvidenceRetention>().Sweep());

            Assert.False(File.Exists(expired));
            Assert.False(File.Exists(older));
            Assert.True(File.Exists(newer));
            Assert.Equal(1, services.GetRequiredService<DurableOutbox>().GetStats().Depth[OutboxClass.Alarm]);
        }
    }

    private static string Clip(EvidenceFolder folder, DateTime written, int bytes)
    {
        var path = folder.ClipPath(Guid.CreateVersion7());
        File.WriteAllBytes(path, new byte[bytes]);
        File.SetLastWriteTimeUtc(path, written);
        return path;
    }

    public void Dispose() => _work.Dispose();
}
