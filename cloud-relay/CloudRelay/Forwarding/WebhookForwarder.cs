using System.Net.Http.Headers;
using CloudRelay.Api;
using CloudRelay.Hosting;
using CloudRelay.Ingest;
using CloudRelay.Storage;
using EdgeGateway.Contracts;
using EdgeGateway.Supervision.Progress;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CloudRelay.Forwarding;

/// <summary>
/// Drains the durable forward queue to the platform's webhook, oldest first, one alert per signed POST.
/// An alert leaves the queue only after a 2xx; on failure the same alert is retried with capped exponential
/// backoff, so an outage of any length loses nothing and order within each device (indeed overall) holds.
/// Relay instances sharing a database all queue alerts; only the one holding the forwarder lease sends them.
/// </summary>
public sealed partial class WebhookForwarder(
    IRelayStore store,
    RelayLease relayLease,
    RelayAlertFeed feed,
    RelaySecrets secrets,
    RelayCounters counters,
    IHttpClientFactory httpClients,
    TimeProvider time,
    IOptions<RelayOptions> options,
    ILogger<WebhookForwarder> logger,
    ProgressRegistry? progress = null) : BackgroundService
{
    public const string HttpClientName = "cloud-relay-webhook";
    private static readonly TimeSpan IdlePoll = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan LeaseRetry = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (store.Kind == "postgres" && string.IsNullOrEmpty(options.Value.Webhook.Secret))
        {
            Log.SecretPerInstance(logger);
        }

        // Every turn waits at most a POST timeout and the longest backoff, so that plus a margin is the deadline.
        var webhook = options.Value.Webhook;
        using var heartbeat = progress?.Register("webhook forwarder", webhook.Timeout + webhook.MaxBackoff + TimeSpan.FromSeconds(30));
        var standingBy = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            heartbeat?.Beat();
            IForwarderLease? lease;
            try
            {
                lease = await relayLease.TryTakeAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.QueueFailed(logger, ex.Message);
                lease = null;
            }

            if (lease is null)
            {
                if (!standingBy)
                {
                    standingBy = true;
                    Log.StandingBy(logger);
                }

                await Task.Delay(LeaseRetry, time, stoppingToken);
                continue;
            }

            await using (lease)
            {
                if (standingBy)
                {
                    standingBy = false;
                    Log.TookOver(logger);
                }

                await ForwardWhileHeldAsync(lease, heartbeat, stoppingToken);
            }
        }
    }

    /// <summary>Sends queued alerts until stopped or until the lease is lost (then another instance carries on).</summary>
    private async Task ForwardWhileHeldAsync(IForwarderLease lease, Heartbeat? heartbeat, CancellationToken stoppingToken)
    {
        var webhook = options.Value.Webhook;
        var url = new Uri(webhook.Url!);
        using var client = httpClients.CreateClient(HttpClientName);
        client.Timeout = webhook.Timeout;
        var shownUrl = url.GetLeftPart(UriPartial.Path);
        var backoff = FirstBackoff;
        var failing = false;
        while (!stoppingToken.IsCancellationRequested && await lease.IsHeldAsync(stoppingToken))
        {
            heartbeat?.Beat();
            IReadOnlyList<ForwardItem> batch;
            try
            {
                batch = await store.PeekForwardAsync(200, stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.QueueFailed(logger, ex.Message);
                await Task.Delay(backoff, time, stoppingToken);
                continue;
            }

            if (batch.Count == 0)
            {
                await WaitForWorkAsync(stoppingToken);
                continue;
            }

            foreach (var item in batch)
            {
                while (!await TryPostAsync(client, url, item, stoppingToken))
                {
                    heartbeat?.Beat();
                    counters.CountForwardFailure();
                    if (!failing)
                    {
                        failing = true;
                        Log.PlatformDown(logger, shownUrl);
                    }

                    await Task.Delay(backoff, time, stoppingToken);
                    backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, webhook.MaxBackoff.Ticks));
                    if (!await lease.IsHeldAsync(stoppingToken))
                    {
                        return;
                    }
                }

                if (failing)
                {
                    failing = false;
                    Log.PlatformBack(logger, shownUrl);
                }

                heartbeat?.Beat();
                backoff = FirstBackoff;
                if (!await TryRemoveAsync(item, stoppingToken))
                {
                    // Still queued, so it is sent again: at least once, and the platform drops repeats by X-Relay-Alert-Id.
                    await Task.Delay(FirstBackoff, time, stoppingToken);
                    break;
                }

                counters.CountForwarded();
            }
        }
    }

    private async Task<bool> TryRemoveAsync(ForwardItem item, CancellationToken stoppingToken)
    {
        try
        {
            await store.RemoveForwardAsync(item.Position, stoppingToken);
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.QueueFailed(logger, ex.Message);
            return false;
        }
    }

    private async Task WaitForWorkAsync(CancellationToken stoppingToken)
    {
        using var idle = new CancellationTokenSource(IdlePoll, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(idle.Token, stoppingToken);
        try
        {
            await feed.WaitForForwardAsync(linked.Token);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            // Idle poll: look again, in case another process queued work.
        }
    }

    private async Task<bool> TryPostAsync(HttpClient client, Uri url, ForwardItem item, CancellationToken stoppingToken)
    {
        byte[] body;
        (string Name, string Value)[] identity;
        if (item.Alert is { } alert)
        {
            body = AlertJson.Encode(alert);
            identity = [(WebhookSigner.AlertIdHeader, alert.Id.ToString("D"))];
        }
        else if (item.CaseEvent is { } caseEvent)
        {
            var view = CaseEventView.From(caseEvent);
            body = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(view);
            identity = [(WebhookSigner.EventHeader, view.Event), (WebhookSigner.EventIdHeader, view.Id.ToString("D"))];
        }
        else
        {
            // Nothing left to send for this queue entry.
            return true;
        }

        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
        var timestamp = time.GetUtcNow().ToUnixTimeSeconds();
        request.Headers.Add(WebhookSigner.TimestampHeader, timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add(WebhookSigner.SignatureHeader, WebhookSigner.Sign(secrets.WebhookSecret, timestamp, body));
        foreach (var (name, value) in identity)
        {
            request.Headers.Add(name, value);
        }

        try
        {
            using var response = await client.SendAsync(request, stoppingToken);
            return response.IsSuccessStatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !stoppingToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = RelayLogEvents.WebhookPlatformDown, Level = LogLevel.Warning, Message = "Platform webhook {Url} is not accepting alerts; retrying with backoff, nothing is dropped")]
        public static partial void PlatformDown(ILogger logger, string url);

        [LoggerMessage(EventId = RelayLogEvents.WebhookPlatformBack, Level = LogLevel.Information, Message = "Platform webhook {Url} accepts alerts again")]
        public static partial void PlatformBack(ILogger logger, string url);

        [LoggerMessage(EventId = RelayLogEvents.WebhookQueueFailed, Level = LogLevel.Error, Message = "Reading the forward queue failed: {Error}")]
        public static partial void QueueFailed(ILogger logger, string error);

        [LoggerMessage(EventId = RelayLogEvents.WebhookStandingBy, Level = LogLevel.Information, Message = "Another relay instance is forwarding to the platform; this one queues alerts and stands by")]
        public static partial void StandingBy(ILogger logger);

        [LoggerMessage(EventId = RelayLogEvents.WebhookTookOver, Level = LogLevel.Information, Message = "This relay instance now forwards to the platform")]
        public static partial void TookOver(ILogger logger);

        [LoggerMessage(EventId = RelayLogEvents.WebhookSecretPerInstance, Level = LogLevel.Warning, Message = "Relay:Webhook:Secret is not set, so each instance signs with its own generated secret; set the same secret on every instance sharing this database")]
        public static partial void SecretPerInstance(ILogger logger);
    }
}
