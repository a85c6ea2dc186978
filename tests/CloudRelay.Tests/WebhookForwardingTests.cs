using System.Collections.Concurrent;
using System.Text.Json;
using CloudRelay.Api;
using CloudRelay.Forwarding;
using CloudRelay.Hosting;
using CloudRelay.Settings;
using EdgeGateway.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CloudRelay.Tests;

[Trait("Category", "Integration")]
public sealed class WebhookForwardingTests
{
    [Fact]
    public async Task With_the_platform_down_then_up_every_alert_arrives_once_signed_and_in_order_per_device()
    {
        var port = FreePort.Next();
        var webhook = $"http://127.0.0.1:{port}/alerts";
        await using var relay = await RelayTestHost.StartAsync(webhookUrl: webhook, settings: new Dictionary<string, string?>
        {
            ["Webhook:MaxBackoff"] = "00:00:00.500",
        });
        var devices = new[] { "box-a", "box-b", "box-c" };
        var sent = new Dictionary<string, List<Guid>>();
        foreach (var device in devices)
        {
            var client = await relay.ConnectAsync(await relay.AddDeviceAsync("site-1", device));
            sent[device] = [];
            for (var i = 0; i < 15; i++)
            {
                var alert = TestAlerts.Make("site-1", device);
                await client.PublishAlertAsync(alert);
                sent[device].Add(alert.Id);
            }
        }

        // The platform is down: everything waits in the durable queue.
        await TestAlerts.WaitUntilAsync(() => Task.FromResult(relay.Counters.ForwardFailures >= 2), TimeSpan.FromSeconds(10), "failed attempts");
        var backlogWhileDown = (await relay.Http.GetJsonAsync<StatsView>("/api/stats")).Forward.Backlog;

        var received = new ConcurrentQueue<(string Device, Guid Id, bool SignatureOk)>();
        var secret = relay.App.Services.GetRequiredService<RelaySecrets>().WebhookSecret;
        await using var platform = await StartPlatformAsync(port, Recording(received, secret));

        await TestAlerts.WaitUntilAsync(async () => (await relay.Http.GetJsonAsync<StatsView>("/api/stats")).Forward.Backlog == 0,
            TimeSpan.FromSeconds(20), "the forward backlog to drain");

        Assert.Equal(45, backlogWhileDown);
        var all = received.ToArray();
        Assert.Equal(45, all.Length);
        Assert.Equal(45, all.Select(r => r.Id).Distinct().Count());
        Assert.All(all, r => Assert.True(r.SignatureOk));
        foreach (var device in devices)
        {
            Assert.Equal(sent[device], all.Where(r => r.Device == device).Select(r => r.Id));
        }
    }

    [Fact]
    public async Task A_platform_that_answers_errors_gets_the_same_alert_again_until_it_accepts()
    {
        var port = FreePort.Next();
        var attempts = 0;
        var accepted = new ConcurrentQueue<string>();
        await using var platform = await StartPlatformAsync(port, context =>
        {
            if (Interlocked.Increment(ref attempts) <= 3)
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            }
            else
            {
                accepted.Enqueue(context.Request.Headers[WebhookSigner.AlertIdHeader].ToString());
            }

            return Task.CompletedTask;
        });
        await using var relay = await RelayTestHost.StartAsync(webhookUrl: $"http://127.0.0.1:{port}/alerts", settings: new Dictionary<string, string?>
        {
            ["Webhook:MaxBackoff"] = "00:00:00.200",
        });
        var client = await relay.ConnectAsync(await relay.AddDeviceAsync("site-1", "box-1"));
        var alert = TestAlerts.Make("site-1", "box-1");

        await client.PublishAlertAsync(alert);
        await TestAlerts.WaitUntilAsync(() => Task.FromResult(!accepted.IsEmpty), TimeSpan.FromSeconds(10), "acceptance");

        Assert.Equal([alert.Id.ToString("D")], accepted);
        Assert.Equal(4, attempts);
        Assert.Equal(3, relay.Counters.ForwardFailures);
    }

    /// <summary>A platform that accepts every alert and records its device, id and whether the signature checks out.</summary>
    internal static RequestDelegate Recording(ConcurrentQueue<(string Device, Guid Id, bool SignatureOk)> received, string secret) => async context =>
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer);
        var body = buffer.ToArray();
        using var json = JsonDocument.Parse(body);
        received.Enqueue((json.RootElement.GetProperty("device").GetString()!, Guid.Parse(json.RootElement.GetProperty("id").GetString()!),
            WebhookSigner.Verify(secret, context.Request.Headers[WebhookSigner.TimestampHeader], body, context.Request.Headers[WebhookSigner.SignatureHeader], DateTimeOffset.UtcNow)));
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    };

    internal static async Task<WebApplication> StartPlatformAsync(int port, RequestDelegate handler)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapPost("/alerts", handler);
        await app.StartAsync();
        return app;
    }
}
