using System.Text.Json;
using CloudRelay.Ingest;
using CloudRelay.Settings;
using CloudRelay.Database;
using EdgeGateway.Contracts;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CloudRelay.OperatorConsole;

/// <summary>
/// <c>GET /console/events</c>: new alerts and case changes as Server-Sent Events, in the operator's language. It reads
/// the database (not this instance's memory), so an operator sees what every relay instance on it stored. Each feed
/// polls the database, so a login holds at most <c>Relay:Console:LiveFeedsPerSession</c> and the instance at most
/// <c>MaxLiveFeeds</c>; one past them is refused with 429 (an EventSource does not retry that).
/// </summary>
internal static partial class ConsoleLiveFeed
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);
    private const int Batch = 100;

    public static async Task StreamAsync(HttpContext http, ConsoleSessions sessions, ConsoleLiveFeedSlots slots, IConsoleStore store, IRelayStore alerts, TimeProvider time,
        IHostApplicationLifetime lifetime, CancellationToken requestAborted)
    {
        // An open console must not hold up the relay's shutdown.
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(requestAborted, lifetime.ApplicationStopping);
        var cancellationToken = stopping.Token;
        if (await sessions.FindAsync(http, cancellationToken) is not { } user)
        {
            http.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return;
        }

        var t = ConsoleText.For(http, user.Language);
        using var slot = slots.TryOpen(user.TokenHash, out var overAll);
        if (slot is null)
        {
            var settings = http.RequestServices.GetRequiredService<IOptions<RelayOptions>>().Value.Console;
            var (key, max) = overAll ? ("MaxLiveFeeds", settings.MaxLiveFeeds) : ("LiveFeedsPerSession", settings.LiveFeedsPerSession);
            http.RequestServices.GetRequiredService<RelayCounters>().CountLimit(LimitNames.LiveFeeds);
            var logger = http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("CloudRelay.OperatorConsole");
            if (slots.LogThrottle.ShouldLog("live-feeds:" + (overAll ? "all" : user.Name)))
            {
                Log.Refused(logger, user.Name, max, key);
            }

            http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
            http.Response.Headers.RetryAfter = "10";
            http.Response.ContentType = "text/plain; charset=utf-8";
            await http.Response.WriteAsync($"{t["live.too_many"]} (Relay:Console:{key} {max})\n", cancellationToken);
            return;
        }

        http.Response.ContentType = "text/event-stream; charset=utf-8";
        var (alertPosition, eventPosition) = await store.LatestPositionsAsync(cancellationToken);
        await WriteAsync(http, ": live\n\n", cancellationToken);
        using var timer = new PeriodicTimer(Poll, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                // Logout, expiry or removal ends the feed too.
                if (await sessions.FindAsync(http, cancellationToken, activity: false) is null)
                {
                    await WriteAsync(http, "event: ended\ndata: {}\n\n", cancellationToken);
                    return;
                }

                foreach (var stored in (await alerts.QueryAlertsAsync(new AlertQuery(After: alertPosition, Limit: Batch), cancellationToken)).Items)
                {
                    alertPosition = stored.Position;
                    var alert = stored.Alert;
                    var text = $"{t["live.alert"]}: {ConsolePages.Kind(t, alert.Kind)} ({(alert.State == AlertState.Raised ? t["alert.raised"] : t["alert.cleared"])}) · {alert.SiteId}/{alert.DeviceId}";
                    await EventAsync(http, "alert", text, null, alert.TimestampMs, cancellationToken);
                }

                foreach (var (position, item) in await store.CaseEventsAfterAsync(eventPosition, Batch, cancellationToken))
                {
                    eventPosition = position;
                    var text = $"{t["live.case"]} · {t[$"event.{item.Event.Type}"]}: {ConsolePages.Kind(t, item.Case.Kind)} · {item.Case.Site}/{item.Case.Device}"
                               + (item.Event.Actor is { } actor ? $" · {actor}" : string.Empty);
                    await EventAsync(http, "case", text, $"{ConsolePages.Root}/cases/{item.Case.Id:D}", item.Event.AtMs, cancellationToken);
                }

                await http.Response.Body.FlushAsync(cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The operator left the page, or the relay is stopping.
        }
    }

    private static Task EventAsync(HttpContext http, string type, string text, string? link, long atMs, CancellationToken cancellationToken) =>
        WriteAsync(http, $"event: {type}\ndata: {JsonSerializer.Serialize(new LiveItem(text, link, atMs))}\n\n", cancellationToken);

    private static async Task WriteAsync(HttpContext http, string text, CancellationToken cancellationToken)
    {
        await http.Response.WriteAsync(text, cancellationToken);
        await http.Response.Body.FlushAsync(cancellationToken);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = RelayLogEvents.ConsoleLiveFeedRefused, Level = LogLevel.Warning, Message = "Console: a live feed for {Operator} was refused: {Max} already open (Relay:Console:{Key}; logged at most once a minute)")]
        public static partial void Refused(ILogger logger, string @operator, int max, string key);
    }

    private sealed record LiveItem(
        [property: System.Text.Json.Serialization.JsonPropertyName("text")] string Text,
        [property: System.Text.Json.Serialization.JsonPropertyName("href")] string? Href,
        [property: System.Text.Json.Serialization.JsonPropertyName("at_ms")] long AtMs);
}

/// <summary>Live feeds open on this instance, per login (by its session's token hash) and in all.</summary>
public sealed class ConsoleLiveFeedSlots(IOptions<RelayOptions> options, TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, int> _bySession = new(StringComparer.Ordinal);
    private int _open;

    /// <summary>Refusals are logged at most once a minute per operator.</summary>
    internal LogThrottle LogThrottle { get; } = new(time);

    public int Open
    {
        get
        {
            lock (_gate)
            {
                return _open;
            }
        }
    }

    /// <summary>A slot for one feed, or null (with <paramref name="overAll"/> saying which cap) when the login or the instance is full.</summary>
    public IDisposable? TryOpen(string session, out bool overAll)
    {
        var settings = options.Value.Console;
        lock (_gate)
        {
            overAll = _open >= settings.MaxLiveFeeds;
            var mine = _bySession.GetValueOrDefault(session);
            if (overAll || mine >= settings.LiveFeedsPerSession)
            {
                return null;
            }

            _open++;
            _bySession[session] = mine + 1;
            return new Slot(this, session);
        }
    }

    private void Close(string session)
    {
        lock (_gate)
        {
            _open--;
            var mine = _bySession[session] - 1;
            if (mine == 0)
            {
                _bySession.Remove(session);
            }
            else
            {
                _bySession[session] = mine;
            }
        }
    }

    private sealed class Slot(ConsoleLiveFeedSlots slots, string session) : IDisposable
    {
        private int _closed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _closed, 1) == 0)
            {
                slots.Close(session);
            }
        }
    }
}
