using System.Net;

namespace EdgeGateway.Host.Tests.Diagnostics;

[Trait("Category", "Integration")]
public sealed class LoginRateLimitTests
{
    [Fact]
    public async Task After_five_attempts_in_a_minute_even_the_right_password_is_refused_with_retry_after()
    {
        using var factory = new DiagnosticsFactory { LoginAttemptsPerMinute = 5 };
        using var client = new TechnicianClient(factory.CreateClient());
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            using var wrong = await client.LoginAsync($"guess-{attempt}");
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        using var limited = await client.LoginAsync(DiagnosticsFactory.Password);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.True(int.Parse(limited.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture) is > 0 and <= 60);
        Assert.Contains("too many login attempts", await limited.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var status = await client.Http.GetAsync("/api/status");
        Assert.Equal(HttpStatusCode.Unauthorized, status.StatusCode);

        // The limit is on login only: the page and health check still answer.
        using var health = await client.Http.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task Without_a_password_set_nobody_can_log_in_and_the_answer_says_what_to_do()
    {
        using var factory = new DiagnosticsFactory { ConfiguredHash = null };
        using var client = new TechnicianClient(factory.CreateClient());
        using var login = await client.LoginAsync(DiagnosticsFactory.Password);
        Assert.Equal(HttpStatusCode.Unauthorized, login.StatusCode);
        Assert.Contains("edgegw provision", await login.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_kitchen_box_without_elevator_or_uplink_still_serves_the_page()
    {
        using var factory = new DiagnosticsFactory { WithParts = false };
        using var client = await factory.LoggedInAsync();
        using var elevator = await client.Http.GetAsync("/api/elevator");
        Assert.Equal(HttpStatusCode.NotFound, elevator.StatusCode);
        using var testAlert = await client.PostAsync("/api/alerts/test");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, testAlert.StatusCode);
        using var status = await client.Http.GetAsync("/api/status");
        Assert.Equal(HttpStatusCode.OK, status.StatusCode);
        Assert.Contains("\"cameras\":null", await status.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
