using System.Net;
using System.Text.Json;
using CloudRelay.Forwarding;
using CloudRelay.Hosting;
using CloudRelay.Ingest;
using CloudRelay.Storage;
using EdgeGateway.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CloudRelay.Tests;

/// <summary>The forwarder alone, on a real SQLite queue, with the platform faked at the HTTP handler and time faked.</summary>
[Trait("Category", "Unit")]
public sealed class ForwarderOutageTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("relay-outage-").FullName;

    [Fact]
    public async Task An_hour_long_platform_outage_loses_nothing_backs_off_to_the_cap_and_then_delivers_in_order()
    {
        var options = Options.Create(new RelayOptions
        {
            DataDir = _directory,
            Webhook = new RelayWebhookOptions { Url = "http://platform.invalid/alerts", Secret = "s3cret", MaxBackoff = TimeSpan.FromSeconds(60) },
        });
        await using var store = new SqliteRelayStore(Path.Combine(_directory, "relay.db"));
        await store.MigrateAsync(CancellationToken.None);
        var alerts = Enumerable.Range(0, 10).Select(i => TestAlerts.Make("site-1", $"box-{i % 3}")).ToList();
        await store.InsertAlertsAsync(alerts, 1, enqueueForward: true, CancellationToken.None);
        var time = new SteppedTimeProvider(DateTimeOffset.UtcNow);
        var platform = new FakePlatform(time);
        var counters = new RelayCounters();
        using var feed = new RelayAlertFeed();
        await using var lease = new RelayLease(store);
        using var forwarder = new WebhookForwarder(store, lease, feed, new RelaySecrets(options), counters, platform, time, options,
            NullLogger<WebhookForwarder>.Instance);

        await forwarder.StartAsync(CancellationToken.None);
        await time.AdvanceWhileWaitingAsync(TimeSpan.FromHours(1));
        var attemptsDuringOutage = platform.Attempts;
        var backlogAfterAnHour = await store.ForwardBacklogAsync(CancellationToken.None);
        var acceptedDuringOutage = platform.Delivered.Count(d => d.Accepted);
        platform.Up = true;
        await time.AdvanceWhileWaitingAsync(TimeSpan.FromMinutes(2));
        await forwarder.StopAsync(CancellationToken.None);

        Assert.Equal(10, backlogAfterAnHour);
        Assert.Equal(0, acceptedDuringOutage);
        // Capped exponential backoff: about one try a minute once at the cap, not a tight loop, not giving up.
        Assert.InRange(attemptsDuringOutage, 40, 80);
        Assert.Equal(0, await store.ForwardBacklogAsync(CancellationToken.None));
        Assert.Equal(alerts.Select(a => a.Id), platform.Delivered.Where(d => d.Accepted).Select(d => d.Id));
        Assert.All(platform.Delivered.Where(d => d.Accepted), d => Assert.True(d.SignatureOk));
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>Checks each signature as a platform would, on the relay's (fake) clock.</summary>
    private sealed class FakePlatform(TimeProvider clock) : HttpMessageHandler, IHttpClientFactory
    {
        private readonly Lock _gate = new();
        private readonly List<(Guid Id, bool Accepted, bool SignatureOk)> _delivered = [];

        public volatile bool Up;

        public int Attempts { get; private set; }

        public IReadOnlyList<(Guid Id, bool Accepted, bool SignatureOk)> Delivered
        {
            get
            {
                lock (_gate)
                {
                    return [.. _delivered];
                }
            }
        }

        public HttpClient CreateClient(string name) => new(this, disposeHandler: false);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = await request.Content!.ReadAsByteArrayAsync(cancellationToken);
            using var json = JsonDocument.Parse(body);
            var id = Guid.Parse(json.RootElement.GetProperty("id").GetString()!);
            var signature = request.Headers.GetValues(WebhookSigner.SignatureHeader).Single();
            var timestamp = request.Headers.GetValues(WebhookSigner.TimestampHeader).Single();
            lock (_gate)
            {
                Attempts++;
                _delivered.Add((id, Up, WebhookSigner.Verify("s3cret", timestamp, body, signature, clock.GetUtcNow())));
            }

            return new HttpResponseMessage(Up ? HttpStatusCode.OK : HttpStatusCode.BadGateway);
        }
    }
}
