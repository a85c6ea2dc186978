using System.Text.Json;
using CloudRelay.Storage;
using EdgeGateway.Contracts;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;

namespace CloudRelay.OperatorConsole;

/// <summary>
/// <c>GET /console/events</c>: new alerts and case changes as Server-Sent Events, in the operator's language. It reads
/// the database (not this instance's memory), so an operator sees what every relay instance on it stored.
/// </summary>
internal static class ConsoleLiveFeed
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);
    private const int Batch = 100;

    public static async Task StreamAsync(HttpContext http, ConsoleSessions sessions, IConsoleStore store, IRelayStore alerts, TimeProvider time,
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

    private sealed record LiveItem(
        [property: System.Text.Json.Serialization.JsonPropertyName("text")] string Text,
        [property: System.Text.Json.Serialization.JsonPropertyName("href")] string? Href,
        [property: System.Text.Json.Serialization.JsonPropertyName("at_ms")] long AtMs);
}
