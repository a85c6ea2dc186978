using System.Net;
using System.Net.Http.Headers;
using CloudRelay.Api;
using CloudRelay.Ingest;
using CloudRelay.Settings;
using CloudRelay.Database;
using EdgeGateway.Contracts;
using EdgeGateway.Supervision.Progress;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using EdgeGateway.Supervision.Retry;

namespace CloudRelay.Forwarding;

/// <summary>
/// Drains the durable forward queue to the platform's webhook, oldest first, one alert per signed POST.
/// An alert leaves the queue only after a 2xx; on failure the same alert is retried with capped exponential
/// backoff, so an outage of any length loses nothing and order within each device (indeed overall) holds.
/// Relay instances sharing a database all queue alerts; only the one holding the forwarder lease sends them.
/// An alert the platform refuses for what it is (<see cref="WebhookDeadLetters.RefusesTheAlert"/>) three
/// times is set aside in the dead letters, so it never stops the alerts behind it.
/// </summary>
public sealed partial class WebhookForwarder(
    IRelayStore store,
    RelayLease relayLease,
    RelayAlertFeed feed,
    RelaySecrets secrets,
    RelayCounters counters,
    WebhookDeadLetters deadLetters,
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
        var retry = RetryPolicy.FromSettings(FirstBackoff, webhook.MaxBackoff).Start(time);
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
                await retry.FailAndWaitAsync(stoppingToken);
                continue;
            }

            if (batch.Count == 0)
            {
                await WaitForWorkAsync(stoppingToken);
                continue;
            }

            foreach (var item in batch)
            {
                // Rendered once: every retry posts the same body, and a refusal sets that body aside.
                var post = Render(item);
                var refusals = 0;
                PostResult result;
                while (!(result = post is null ? PostResult.Success : await TryPostAsync(client, url, post, stoppingToken)).Delivered)
                {
                    if (result.RefusesTheAlert && ++refusals >= WebhookDeadLetters.RefusalsBeforeDeadLetter && TrySetAside(post!, result))
                    {
                        break;
                    }

                    heartbeat?.Beat();
                    counters.CountForwardFailure();
                    if (!failing)
                    {
                        failing = true;
                        Log.PlatformDown(logger, shownUrl);
                    }

                    await retry.FailAndWaitAsync(stoppingToken);
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
                retry.Reset();
                if (!await TryRemoveAsync(item, stoppingToken))
                {
                    // Still queued, so it is sent again: at least once, and the platform drops repeats by X-Relay-Alert-Id.
                    await Task.Delay(FirstBackoff, time, stoppingToken);
                    break;
                }

                if (result.Delivered)
                {
                    counters.CountForwarded();
                }
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

    /// <summary>Writes a refused alert or case event to the dead letters; false (it stays queued and is retried) when that fails.</summary>
    private bool TrySetAside(ForwardPost post, PostResult result)
    {
        try
        {
            deadLetters.Add(post.Name, post.Body, result.Status, result.Reason, time.GetUtcNow());
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log.DeadLetterFailed(logger, post.Name, post.Id, deadLetters.Path, ex.Message);
            return false;
        }

        counters.CountForwardDeadLetter();
        Log.DeadLettered(logger, post.Name, post.Id, post.Description, result.Reason, deadLetters.Path);
        return true;
    }

    /// <summary>The JSON body and identifying headers of a queue entry; null when it holds nothing left to send.</summary>
    private static ForwardPost? Render(ForwardItem item)
    {
        if (item.Alert is { } alert)
        {
            return new ForwardPost("alert", AlertJson.Encode(alert), alert.Id, $"{alert.Kind} from {alert.SiteId}/{alert.DeviceId}",
                [(WebhookSigner.AlertIdHeader, alert.Id.ToString("D"))]);
        }

        if (item.CaseEvent is { } caseEvent)
        {
            var view = CaseEventView.From(caseEvent);
            return new ForwardPost("event", System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(view), view.Id, view.Event,
                [(WebhookSigner.EventHeader, view.Event), (WebhookSigner.EventIdHeader, view.Id.ToString("D"))]);
        }

        return null;
    }

    private async Task<PostResult> TryPostAsync(HttpClient client, Uri url, ForwardPost post, CancellationToken stoppingToken)
    {
        var body = post.Body;
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
        var timestamp = time.GetUtcNow().ToUnixTimeSeconds();
        request.Headers.Add(WebhookSigner.TimestampHeader, timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add(WebhookSigner.SignatureHeader, WebhookSigner.Sign(secrets.WebhookSecret, timestamp, body));
        foreach (var (name, value) in post.Identity)
        {
            request.Headers.Add(name, value);
        }

        try
        {
            using var response = await client.SendAsync(request, stoppingToken);
            if (response.IsSuccessStatusCode)
            {
                return PostResult.Success;
            }

            var refuses = WebhookDeadLetters.RefusesTheAlert(response.StatusCode);
            var reason = refuses ? WebhookDeadLetters.Reason(response.StatusCode, await response.Content.ReadAsStringAsync(stoppingToken)) : "";
            return new PostResult(false, refuses, response.StatusCode, reason);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !stoppingToken.IsCancellationRequested)
        {
            return PostResult.NoAnswer;
        }
    }

    private sealed record ForwardPost(string Name, byte[] Body, Guid Id, string Description, (string Name, string Value)[] Identity);

    private readonly record struct PostResult(bool Delivered, bool RefusesTheAlert, HttpStatusCode Status, string Reason)
    {
        public static readonly PostResult Success = new(true, false, HttpStatusCode.OK, "");
        public static readonly PostResult NoAnswer = new(false, false, 0, "");
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

        [LoggerMessage(EventId = RelayLogEvents.WebhookDeadLettered, Level = LogLevel.Warning, Message = "Platform refused {What} {Id} ({Description}) for good: {Reason}; set aside in {File}, forwarding goes on")]
        public static partial void DeadLettered(ILogger logger, string what, Guid id, string description, string reason, string file);

        [LoggerMessage(EventId = RelayLogEvents.WebhookDeadLetterFailed, Level = LogLevel.Error, Message = "Could not set refused {What} {Id} aside in {File}: {Error}; it stays queued and is retried")]
        public static partial void DeadLetterFailed(ILogger logger, string what, Guid id, string file, string error);

        [LoggerMessage(EventId = RelayLogEvents.WebhookSecretPerInstance, Level = LogLevel.Warning, Message = "Relay:Webhook:Secret is not set, so each instance signs with its own generated secret; set the same secret on every instance sharing this database")]
        public static partial void SecretPerInstance(ILogger logger);
    }
}
