using System.Collections.Concurrent;
using System.Text.Json;
using CloudRelay.Forwarding;
using EdgeGateway.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace CloudRelay.Tests;

/// <summary>A real HTTP platform for the webhook that keeps every POST: alerts and case events, with their signature checked.</summary>
public sealed class RecordingPlatform : IAsyncDisposable
{
    private readonly WebApplication _app;

    private RecordingPlatform(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    /// <summary>One POST: <see cref="Event"/> is <c>case.*</c> for a case event, null for an alert.</summary>
    public sealed record Delivery(string? Event, JsonElement Body, bool SignatureOk)
    {
        public string? AlertKind => Event is null ? Body.GetProperty("kind").GetString() : null;
    }

    public string Url { get; }

    public ConcurrentQueue<Delivery> Received { get; } = new();

    /// <summary>Alerts of a kind, a repeated id counted once, as a platform drops repeats (delivery is at least once).</summary>
    public IReadOnlyList<Delivery> Alerts(string kind) => Unique(Received.Where(d => d.AlertKind == kind));

    /// <summary>Case events of a name, a repeated event id counted once.</summary>
    public IReadOnlyList<Delivery> Events(string name) => Unique(Received.Where(d => d.Event == name));

    private static List<Delivery> Unique(IEnumerable<Delivery> deliveries) =>
        deliveries.DistinctBy(d => d.Body.GetProperty("id").GetString()).ToList();

    public static async Task<RecordingPlatform> StartAsync(string secret)
    {
        var port = FreePort.Next();
        RecordingPlatform? platform = null;
        var app = await WebhookForwardingTests.StartPlatformAsync(port, async context =>
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer);
            var body = buffer.ToArray();
            var signed = WebhookSigner.Verify(secret, context.Request.Headers[WebhookSigner.TimestampHeader], body,
                context.Request.Headers[WebhookSigner.SignatureHeader], DateTimeOffset.UtcNow);
            string? name = context.Request.Headers[WebhookSigner.EventHeader];
            platform!.Received.Enqueue(new Delivery(string.IsNullOrEmpty(name) ? null : name, JsonDocument.Parse(body).RootElement.Clone(), signed));
            context.Response.StatusCode = StatusCodes.Status204NoContent;
        });
        platform = new RecordingPlatform(app, $"http://127.0.0.1:{port}/alerts");
        return platform;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
