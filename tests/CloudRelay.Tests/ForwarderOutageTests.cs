using System.Net;
using System.Text.Json;
using CloudRelay.Forwarding;
using CloudRelay.Hosting;
using CloudRelay.Ingest;
using CloudRelay.Settings;
using CloudRelay.Database;
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
        using var forwarder = new WebhookForwarder(store, lease, feed, new RelaySecrets(options), counters, new WebhookDeadLetters(_directory), platform, time, options,
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

    [Fact]
    public async Task An_alert_the_platform_refuses_for_good_is_set_aside_after_three_tries_and_the_ones_behind_it_are_delivered()
    {
        var (store, alerts, time, platform, counters, forwarder) = await StartForwarderAsync(5);
        await using var _ = store;
        platform.Up = true;
        platform.Refuse(alerts[1].Id, HttpStatusCode.UnprocessableEntity, "unknown kind\nsecond line");

        await forwarder.StartAsync(CancellationToken.None);
        await time.AdvanceWhileWaitingAsync(TimeSpan.FromMinutes(2));
        await forwarder.StopAsync(CancellationToken.None);
        forwarder.Dispose();

        Assert.Equal(alerts.Where((_, i) => i != 1).Select(a => a.Id), platform.Delivered.Where(d => d.Accepted).Select(d => d.Id));
        Assert.Equal(WebhookDeadLetters.RefusalsBeforeDeadLetter, platform.Delivered.Count(d => d.Id == alerts[1].Id));
        Assert.Equal(0, await store.ForwardBacklogAsync(CancellationToken.None));
        Assert.Equal(1, counters.ForwardDeadLetters);
        Assert.Equal(4, counters.Forwarded);
        // Set aside, not lost: the line names the alert and the refusal, and the alert stays stored.
        var line = Assert.Single(File.ReadAllLines(Path.Combine(_directory, WebhookDeadLetters.FileName)));
        using var json = JsonDocument.Parse(line);
        Assert.Equal(422, json.RootElement.GetProperty("status").GetInt32());
        Assert.Equal("422 UnprocessableEntity: unknown kind", json.RootElement.GetProperty("reason").GetString());
        Assert.Equal(alerts[1].Id.ToString("D"), json.RootElement.GetProperty("alert").GetProperty("id").GetString());
        Assert.NotNull(await store.FindAlertAsync(alerts[1].Id, CancellationToken.None));
    }

    [Theory]
    [InlineData(HttpStatusCode.Unauthorized)]
    [InlineData(HttpStatusCode.NotFound)]
    [InlineData(HttpStatusCode.TooManyRequests)]
    public async Task Refusals_about_credentials_the_url_or_the_load_are_retried_and_never_set_anything_aside(HttpStatusCode status)
    {
        var (store, alerts, time, platform, counters, forwarder) = await StartForwarderAsync(3);
        await using var _ = store;
        platform.Up = true;
        platform.RefuseAll(status);

        await forwarder.StartAsync(CancellationToken.None);
        await time.AdvanceWhileWaitingAsync(TimeSpan.FromMinutes(10));
        Assert.Equal(3, await store.ForwardBacklogAsync(CancellationToken.None));
        platform.RefuseAll(null);
        await time.AdvanceWhileWaitingAsync(TimeSpan.FromMinutes(2));
        await forwarder.StopAsync(CancellationToken.None);
        forwarder.Dispose();

        Assert.Equal(alerts.Select(a => a.Id), platform.Delivered.Where(d => d.Accepted).Select(d => d.Id));
        Assert.Equal(0, counters.ForwardDeadLetters);
        Assert.False(File.Exists(Path.Combine(_directory, WebhookDeadLetters.FileName)));
    }

    private async Task<(SqliteRelayStore Store, List<Alert> Alerts, SteppedTimeProvider Time, FakePlatform Platform, RelayCounters Counters, WebhookForwarder Forwarder)>
        StartForwarderAsync(int count)
    {
        var options = Options.Create(new RelayOptions
        {
            DataDir = _directory,
            Webhook = new RelayWebhookOptions { Url = "http://platform.invalid/alerts", Secret = "s3cret", MaxBackoff = TimeSpan.FromSeconds(60) },
        });
        var store = new SqliteRelayStore(Path.Combine(_directory, "relay.db"));
        await store.MigrateAsync(CancellationToken.None);
        var alerts = Enumerable.Range(0, count).Select(i => TestAlerts.Make("site-1", $"box-{i % 3}")).ToList();
        await store.InsertAlertsAsync(alerts, 1, enqueueForward: true, CancellationToken.None);
        var time = new SteppedTimeProvider(DateTimeOffset.UtcNow);
        var platform = new FakePlatform(time);
        var counters = new RelayCounters();
        var feed = new RelayAlertFeed();
        var forwarder = new WebhookForwarder(store, new RelayLease(store), feed, new RelaySecrets(options), counters, new WebhookDeadLetters(_directory), platform, time, options,
            NullLogger<WebhookForwarder>.Instance);
        return (store, alerts, time, platform, counters, forwarder);
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

        private readonly Dictionary<Guid, (HttpStatusCode Status, string Body)> _refused = [];
        private HttpStatusCode? _refuseAll;

        /// <summary>Answers every request for this alert with the status and body.</summary>
        public void Refuse(Guid id, HttpStatusCode status, string body)
        {
            lock (_gate)
            {
                _refused[id] = (status, body);
            }
        }

        /// <summary>Answers every request with the status, or stops doing so (null).</summary>
        public void RefuseAll(HttpStatusCode? status)
        {
            lock (_gate)
            {
                _refuseAll = status;
            }
        }

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
                var refusal = _refuseAll is { } all ? (all, "") : _refused.TryGetValue(id, out var one) ? one : ((HttpStatusCode Status, string Body)?)null;
                var accepted = Up && refusal is null;
                _delivered.Add((id, accepted, WebhookSigner.Verify("s3cret", timestamp, body, signature, clock.GetUtcNow())));
                if (refusal is { } answer && Up)
                {
                    return new HttpResponseMessage(answer.Status) { Content = new StringContent(answer.Body) };
                }
            }

            return new HttpResponseMessage(Up ? HttpStatusCode.OK : HttpStatusCode.BadGateway);
        }
    }
}
