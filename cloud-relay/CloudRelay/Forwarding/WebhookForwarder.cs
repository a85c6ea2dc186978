using System.Net.Http.Headers;
using CloudRelay.Hosting;
using CloudRelay.Ingest;
using CloudRelay.Storage;
using EdgeGateway.Core.Alerts;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CloudRelay.Forwarding;

/// <summary>
/// Drains the durable forward queue to the platform's webhook, oldest first, one alert per signed POST.
/// An alert leaves the queue only after a 2xx; on failure the same alert is retried with capped exponential
/// backoff, so an outage of any length loses nothing and order within each device (indeed overall) holds.
/// </summary>
public sealed partial class WebhookForwarder(
    IRelayStore store,
    RelayAlertFeed feed,
    RelaySecrets secrets,
    RelayCounters counters,
    IHttpClientFactory httpClients,
    TimeProvider time,
    IOptions<RelayOptions> options,
    ILogger<WebhookForwarder> logger) : BackgroundService
{
    public const string HttpClientName = "cloud-relay-webhook";
    private static readonly TimeSpan IdlePoll = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(250);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var webhook = options.Value.Webhook;
        var url = new Uri(webhook.Url!);
        using var client = httpClients.CreateClient(HttpClientName);
        client.Timeout = webhook.Timeout;
        var shownUrl = url.GetLeftPart(UriPartial.Path);
        var backoff = FirstBackoff;
        var failing = false;
        while (!stoppingToken.IsCancellationRequested)
        {
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
                    counters.CountForwardFailure();
                    if (!failing)
                    {
                        failing = true;
                        Log.PlatformDown(logger, shownUrl);
                    }

                    await Task.Delay(backoff, time, stoppingToken);
                    backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, webhook.MaxBackoff.Ticks));
                }

                if (failing)
                {
                    failing = false;
                    Log.PlatformBack(logger, shownUrl);
                }

                backoff = FirstBackoff;
                await store.RemoveForwardAsync(item.Position, stoppingToken);
                counters.CountForwarded();
            }
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
        var body = AlertJson.Encode(item.Alert);
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
        request.Headers.Add(WebhookSigner.SignatureHeader, WebhookSigner.Sign(secrets.WebhookSecret, body));
        request.Headers.Add(WebhookSigner.AlertIdHeader, item.Alert.Id.ToString("D"));
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
        [LoggerMessage(EventId = 400, Level = LogLevel.Warning, Message = "Platform webhook {Url} is not accepting alerts; retrying with backoff, nothing is dropped")]
        public static partial void PlatformDown(ILogger logger, string url);

        [LoggerMessage(EventId = 401, Level = LogLevel.Information, Message = "Platform webhook {Url} accepts alerts again")]
        public static partial void PlatformBack(ILogger logger, string url);

        [LoggerMessage(EventId = 402, Level = LogLevel.Error, Message = "Reading the forward queue failed: {Error}")]
        public static partial void QueueFailed(ILogger logger, string error);
    }
}
