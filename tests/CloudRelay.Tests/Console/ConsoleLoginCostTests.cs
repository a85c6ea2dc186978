using System.Net;
using CloudRelay.Hosting;
using CloudRelay.Ingest;
using CloudRelay.OperatorConsole;
using CloudRelay.Settings;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace CloudRelay.Tests.Console;

/// <summary>
/// What a login flood costs the console of a real relay over HTTPS: password hashes at most so many at once (the rest
/// refused at once with Retry-After), a global brake on failures from many addresses, and live feeds capped per login
/// and in all.
/// </summary>
[Trait("Category", "Integration")]
[Collection(MemoryMeasured.Name)]
public sealed class ConsoleLoginCostTests
{
    private const string Password = "kitchen-watch-2026";

    [Fact]
    public async Task Logins_past_the_concurrent_password_checks_are_refused_at_once_with_retry_after()
    {
        await using var relay = await RelayTestHost.StartAsync(https: true, settings: new Dictionary<string, string?>
        {
            ["Console:MaxConcurrentLoginChecks"] = "1",
            ["Console:LoginFailuresPerAddress"] = "1000",
            ["Console:LoginFailuresPerName"] = "1000",
        });
        await relay.App.Services.GetRequiredService<Operators>().AddAsync("alice", OperatorRoles.Operator, Password);
        var clients = Enumerable.Range(0, 30).Select(_ => new ConsoleClient(relay, "en")).ToList();
        await Task.WhenAll(clients.Select(c => c.GetAsync("/console/login")));

        // All at once: each wrong password is a 210,000-round hash, and only one may run at a time.
        var answers = await Task.WhenAll(clients.Select(c =>
            c.PostAsync("/console/login", new Dictionary<string, string> { ["name"] = "alice", ["password"] = "wrong-guess-123" })));

        var busy = answers.Where(a => a.Status == HttpStatusCode.ServiceUnavailable).ToList();
        Assert.All(answers, a => Assert.Contains(a.Status, new[] { HttpStatusCode.Unauthorized, HttpStatusCode.ServiceUnavailable }));
        Assert.NotEmpty(busy);
        Assert.Contains(answers, a => a.Status == HttpStatusCode.Unauthorized);
        Assert.All(busy, a => Assert.Equal("1", a.Response.Headers.RetryAfter?.ToString()));
        Assert.All(busy, a => Assert.Equal("The console is checking too many logins at once; try again in a moment.", ConsoleClient.ErrorOf(a.Body)));
        Assert.Equal(busy.Count, relay.Counters.Limit(LimitNames.LoginChecksBusy));
        // The flood is over: the slot was given back, and the right password gets in.
        using var alice = new ConsoleClient(relay);
        Assert.Equal(HttpStatusCode.Redirect, (await alice.LogInAsync("alice", Password)).Status);
        clients.ForEach(c => c.Dispose());
    }

    [Fact]
    public async Task Past_the_global_failure_rate_an_address_that_failed_is_refused_unchecked()
    {
        await using var relay = await RelayTestHost.StartAsync(https: true, settings: new Dictionary<string, string?>
        {
            ["Console:LoginFailuresGlobal"] = "3",
            ["Console:LoginFailuresPerAddress"] = "1000",
            ["Console:LoginFailuresPerName"] = "1000",
        });
        await relay.App.Services.GetRequiredService<Operators>().AddAsync("alice", OperatorRoles.Operator, Password);
        using var attacker = new ConsoleClient(relay, "en");

        var failed = new List<HttpStatusCode>();
        foreach (var name in new[] { "bob", "carol", "dave" })
        {
            failed.Add((await attacker.LogInAsync(name, "wrong-guess-123")).Status);
        }

        var afterwards = await attacker.LogInAsync("alice", Password);

        Assert.All(failed, s => Assert.Equal(HttpStatusCode.Unauthorized, s));
        Assert.Equal(HttpStatusCode.TooManyRequests, afterwards.Status);
        Assert.Equal("Too many login attempts; try again later.", ConsoleClient.ErrorOf(afterwards.Body));
        Assert.Equal("900", afterwards.Response.Headers.RetryAfter?.ToString());
        Assert.True(relay.App.Services.GetRequiredService<LoginThrottle>().GlobalLimitReached);
    }

    [Fact]
    public async Task Live_feeds_past_the_cap_per_login_or_in_all_are_refused_and_a_closed_one_frees_its_place()
    {
        await using var relay = await RelayTestHost.StartAsync(https: true, settings: new Dictionary<string, string?>
        {
            ["Console:LiveFeedsPerSession"] = "2",
            ["Console:MaxLiveFeeds"] = "3",
        });
        var operators = relay.App.Services.GetRequiredService<Operators>();
        await operators.AddAsync("alice", OperatorRoles.Viewer, Password);
        await operators.AddAsync("bob", OperatorRoles.Viewer, Password);
        using var alice = new ConsoleClient(relay, "en");
        using var bob = new ConsoleClient(relay, "en");
        await alice.LogInAsync("alice", Password);
        await bob.LogInAsync("bob", Password);
        var slots = relay.App.Services.GetRequiredService<ConsoleLiveFeedSlots>();

        using var alice1 = await OpenFeedAsync(alice);
        var alice2 = await OpenFeedAsync(alice);
        using var aliceThird = await OpenFeedAsync(alice);
        using var bob1 = await OpenFeedAsync(bob);
        using var bobSecond = await OpenFeedAsync(bob);

        Assert.Equal(HttpStatusCode.OK, alice1.StatusCode);
        Assert.Equal(HttpStatusCode.OK, alice2.StatusCode);
        Assert.Equal(HttpStatusCode.OK, bob1.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, aliceThird.StatusCode);
        Assert.Contains("Relay:Console:LiveFeedsPerSession 2", await aliceThird.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.TooManyRequests, bobSecond.StatusCode);
        Assert.Contains("Relay:Console:MaxLiveFeeds 3", await bobSecond.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(3, slots.Open);
        Assert.Equal(2, relay.Counters.Limit(LimitNames.LiveFeeds));

        // Alice closes a tab: the feed ends at its next poll and bob may open his second.
        alice2.Dispose();
        await TestAlerts.WaitUntilAsync(() => Task.FromResult(slots.Open == 2), TimeSpan.FromSeconds(20), "the closed feed to give back its place");
        using var bob2 = await OpenFeedAsync(bob);
        Assert.Equal(HttpStatusCode.OK, bob2.StatusCode);
    }

    private static async Task<HttpResponseMessage> OpenFeedAsync(ConsoleClient client)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/console/events");
        return await client.StreamAsync(request);
    }
}

/// <summary>The console's password checks: a fixed number at once, never a queue.</summary>
[Trait("Category", "Unit")]
public sealed class LoginThrottleTests
{
    [Fact]
    public void A_password_check_slot_is_given_back_once_and_never_waited_for()
    {
        var options = Options.Create(new RelayOptions());
        options.Value.Console.MaxConcurrentLoginChecks = 2;
        using var throttle = new LoginThrottle(options, new FakeTimeProvider());

        var first = throttle.TryStartCheck();
        var second = throttle.TryStartCheck();
        var third = throttle.TryStartCheck();
        first!.Dispose();
        first.Dispose();
        var fourth = throttle.TryStartCheck();
        var fifth = throttle.TryStartCheck();

        Assert.NotNull(second);
        Assert.Null(third);
        Assert.NotNull(fourth);
        Assert.Null(fifth);
    }
}
