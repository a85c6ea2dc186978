using System.Net;
using EdgeGateway.Host.Diagnostics;
using Microsoft.Extensions.Time.Testing;
using Microsoft.AspNetCore.Mvc.Testing;

namespace EdgeGateway.Host.Tests.Diagnostics;

/// <summary>A session is the box's to end: a copy of the cookie is refused after a password change or the session's lifetime.</summary>
[Trait("Category", "Integration")]
public sealed class PageSessionTests
{
    [Fact]
    public async Task A_password_change_ends_every_session_and_a_restart_with_the_same_password_keeps_them()
    {
        using var before = new DiagnosticsFactory();
        var alice = await LogInAsync(before);
        var bob = await LogInAsync(before);

        // The box restarts with the same password: the sessions go on.
        using (var restarted = new DiagnosticsFactory { DataDir = before.DataDir })
        {
            using var again = await ReplayAsync(restarted, alice);
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        }

        // `edgegw provision --force` set a new technician password, then the service restarted.
        const string newPassword = "kitchen-tech-2027";
        using var changed = new DiagnosticsFactory { DataDir = before.DataDir, ConfiguredHash = TechnicianPassword.Hash(newPassword) };
        foreach (var cookie in new[] { alice, bob })
        {
            using var replayed = await ReplayAsync(changed, cookie);
            Assert.Equal(HttpStatusCode.Unauthorized, replayed.StatusCode);
        }

        // And the old password cannot open a new one, while the new one can.
        using var client = new TechnicianClient(changed.CreateClient());
        using (var old = await client.LoginAsync(DiagnosticsFactory.Password))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, old.StatusCode);
        }

        using var fresh = await client.LoginAsync(newPassword);
        Assert.Equal(HttpStatusCode.NoContent, fresh.StatusCode);
        using var status = await client.Http.GetAsync("/api/status");
        Assert.Equal(HttpStatusCode.OK, status.StatusCode);
    }

    [Fact]
    public async Task An_active_session_ends_at_its_lifetime_even_though_it_never_sat_idle()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var factory = new DiagnosticsFactory { Time = time };
        factory.Settings["Diagnostics:SessionIdle"] = "01:00:00";
        factory.Settings["Diagnostics:SessionLifetime"] = "03:00:00";
        var cookie = await LogInAsync(factory);
        using var client = factory.CreateClient();

        // The technician uses the page every 20 minutes: never idle for the hour, so only the lifetime can end it.
        var used = TimeSpan.Zero;
        while (used < TimeSpan.FromHours(3) - TimeSpan.FromMinutes(20))
        {
            time.Advance(TimeSpan.FromMinutes(20));
            used += TimeSpan.FromMinutes(20);
            using var during = await ReplayAsync(factory, cookie);
            Assert.True(during.StatusCode == HttpStatusCode.OK, $"refused {used} after login: {during.StatusCode}");
            cookie = Renewed(during) ?? cookie;
        }

        time.Advance(TimeSpan.FromMinutes(21));
        using var after = await ReplayAsync(factory, cookie);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
    }

    /// <summary>The session cookie a login set, as a browser would send it back (<c>name=value</c>).</summary>
    internal static string SessionCookie(HttpResponseMessage login)
    {
        Assert.Equal(HttpStatusCode.NoContent, login.StatusCode);
        return login.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(DiagnosticsAuth.SessionCookie + "=", StringComparison.Ordinal)).Split(';')[0];
    }

    /// <summary>GET /api/session from a client that holds nothing but the given cookie.</summary>
    internal static async Task<HttpResponseMessage> ReplayAsync(DiagnosticsFactory factory, string cookie)
    {
        using var http = factory.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false, BaseAddress = new Uri("https://localhost") });
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/session");
        request.Headers.Add("Cookie", cookie);
        return await http.SendAsync(request);
    }

    private static async Task<string> LogInAsync(DiagnosticsFactory factory)
    {
        using var client = new TechnicianClient(factory.CreateClient());
        using var login = await client.LoginAsync(DiagnosticsFactory.Password);
        return SessionCookie(login);
    }

    /// <summary>A sliding session's renewed cookie, when the answer carries one.</summary>
    private static string? Renewed(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var cookies)
            ? cookies.FirstOrDefault(c => c.StartsWith(DiagnosticsAuth.SessionCookie + "=", StringComparison.Ordinal))?.Split(';')[0]
            : null;
}

[Trait("Category", "Unit")]
public sealed class PageSessionOptionsTests
{
    [Fact]
    public void The_lifetime_defaults_to_12_hours_and_a_bad_one_is_one_line_naming_the_key()
    {
        var problems = new DiagnosticsOptionsValidator().Validate(null, new DiagnosticsOptions { SessionLifetime = TimeSpan.FromSeconds(10) }).Failures;
        Assert.Contains("Diagnostics:SessionLifetime = '00:00:10': expected between 00:01:00 and 7.00:00:00", problems!);
        Assert.Equal(TimeSpan.FromHours(12), new DiagnosticsOptions().SessionLifetime);
    }
}
