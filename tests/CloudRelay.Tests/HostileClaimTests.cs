using System.Net;
using System.Net.Http.Json;
using CloudRelay.Devices;
using CloudRelay.Ingest;
using Microsoft.Extensions.DependencyInjection;

namespace CloudRelay.Tests;

/// <summary>
/// Guessing claim codes against a real relay: <c>POST /api/devices/claim</c> needs no API key, so its attempts are
/// rationed per address and in all, and an attempt past the limit is refused before the code is looked up.
/// </summary>
[Trait("Category", "Integration")]
public sealed class HostileClaimTests
{
    [Fact]
    public async Task Claim_guesses_past_the_limit_per_address_are_refused_and_never_use_up_the_real_code()
    {
        await using var relay = await RelayTestHost.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Limits:ClaimAttemptsPerAddress"] = "5",
            // Long enough that the attempts always fall in one window however slow the machine.
            ["Limits:ClaimWindow"] = "00:10:00",
        });
        var created = await relay.Http.PostAsync("/api/devices/site-9/box-9/claim-code", null);
        var code = (await created.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("code").GetString()!;
        using var guesser = new HttpClient { BaseAddress = new Uri(relay.HttpUrl) };

        var guesses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            guesses.Add((await guesser.PostAsJsonAsync("/api/devices/claim", new { code = $"guess-{i}" })).StatusCode);
        }

        var sixth = await guesser.PostAsJsonAsync("/api/devices/claim", new { code = "guess-5" });
        var withTheRealCode = await guesser.PostAsJsonAsync("/api/devices/claim", new { code });

        Assert.All(guesses, s => Assert.Equal(HttpStatusCode.Forbidden, s));
        Assert.Equal(HttpStatusCode.TooManyRequests, sixth.StatusCode);
        Assert.Equal("600", sixth.Headers.RetryAfter?.ToString());
        Assert.Contains("Relay:Limits:ClaimAttemptsPerAddress", await sixth.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.TooManyRequests, withTheRealCode.StatusCode);
        Assert.Equal(2, relay.Counters.Limit(LimitNames.ClaimRate));
        // The refused attempt never reached the registry: the code is still there for the real installer.
        Assert.NotNull(await relay.App.Services.GetRequiredService<DeviceRegistry>().ClaimAsync(code));
    }

    [Fact]
    public async Task Claim_attempts_past_the_global_limit_are_refused_from_every_address()
    {
        await using var relay = await RelayTestHost.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Limits:ClaimAttemptsGlobal"] = "3",
            ["Limits:ClaimWindow"] = "00:10:00",
        });
        using var guesser = new HttpClient { BaseAddress = new Uri(relay.HttpUrl) };

        var guesses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            guesses.Add((await guesser.PostAsJsonAsync("/api/devices/claim", new { code = $"guess-{i}" })).StatusCode);
        }

        var refused = await guesser.PostAsJsonAsync("/api/devices/claim", new { code = "guess-4" });

        Assert.Equal([HttpStatusCode.Forbidden, HttpStatusCode.Forbidden, HttpStatusCode.Forbidden, HttpStatusCode.TooManyRequests], guesses);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Contains("more than 3 claim attempts from all addresses", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
