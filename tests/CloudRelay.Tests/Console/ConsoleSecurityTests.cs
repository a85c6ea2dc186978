using System.Net;
using CloudRelay.Cases;
using CloudRelay.Hosting;
using CloudRelay.OperatorConsole;
using CloudRelay.Settings;
using CloudRelay.Database;
using EdgeGateway.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CloudRelay.Tests.Console;

/// <summary>The console's guards against a real relay over HTTPS: CSRF, login limits, session expiry, and no console in clear.</summary>
[Trait("Category", "Integration")]
public sealed class ConsoleSecurityTests
{
    private const string Password = "kitchen-watch-2026";

    internal static async Task<CaseRecord> OpenCaseAsync(RelayTestHost relay, string camera = "k1")
    {
        var box = await relay.ConnectAsync(await relay.AddDeviceAsync("site-1", "box-1"));
        await box.PublishAlertAsync(CaseDeadlineTests.At("box-1", camera));
        CaseRecord? opened = null;
        await TestAlerts.WaitUntilAsync(async () => (opened = (await CaseDeadlineTests.CasesAsync(relay)).SingleOrDefault(c => c.Subject == camera)) is not null,
            TimeSpan.FromSeconds(10), "the case to open");
        return opened!;
    }

    internal static async Task<string> StateOfAsync(RelayTestHost relay, Guid id) =>
        (await relay.App.Services.GetRequiredService<ICaseStore>().FindCaseAsync(id, CancellationToken.None))!.Case.State;

    [Fact]
    public async Task A_state_changing_request_without_this_sessions_CSRF_token_or_from_another_origin_is_refused_and_changes_nothing()
    {
        await using var relay = await RelayTestHost.StartAsync(https: true);
        var operators = relay.App.Services.GetRequiredService<Operators>();
        await operators.AddAsync("alice", OperatorRoles.Operator, Password);
        await operators.AddAsync("bob", OperatorRoles.Operator, Password);
        var opened = await OpenCaseAsync(relay);
        using var alice = new ConsoleClient(relay);
        using var bob = new ConsoleClient(relay);
        await alice.LogInAsync("alice", Password);
        await bob.LogInAsync("bob", Password);
        var ack = $"/console/cases/{opened.Id:D}/ack";
        await alice.GetAsync($"/console/cases/{opened.Id:D}");

        var none = await alice.PostAsync(ack, csrf: "");
        var someoneElses = await alice.PostAsync(ack, csrf: bob.Csrf);
        var otherSite = await alice.PostAsync(ack, configure: r => r.Headers.Add("Origin", "https://evil.example"));
        var logoutWithout = await alice.PostAsync("/console/logout", csrf: "");
        using var stranger = new ConsoleClient(relay);
        var loginWithout = await stranger.PostAsync("/console/login", new Dictionary<string, string> { ["name"] = "alice", ["password"] = Password });

        foreach (var refused in new[] { none, someoneElses, otherSite, logoutWithout, loginWithout })
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.Status);
            Assert.Equal("请求已失效，请刷新页面后重试。", ConsoleClient.ErrorOf(refused.Body));
        }

        Assert.Equal(CaseStates.Open, await StateOfAsync(relay, opened.Id));
        Assert.DoesNotContain(stranger.Cookies.GetAllCookies(), c => c.Name == ConsoleSessions.CookieName);
        Assert.Equal(HttpStatusCode.OK, (await alice.GetAsync("/console/cases")).Status); // Still logged in.

        // With its own token the same request goes through, and logging out ends the session for good.
        await alice.GetAsync($"/console/cases/{opened.Id:D}");
        Assert.Equal(HttpStatusCode.Redirect, (await alice.PostAsync(ack)).Status);
        Assert.Equal(CaseStates.Acknowledged, await StateOfAsync(relay, opened.Id));
        Assert.Equal(HttpStatusCode.Redirect, (await alice.PostAsync("/console/logout")).Status);
        var afterLogout = await alice.GetAsync("/console/cases");
        Assert.Equal(HttpStatusCode.Redirect, afterLogout.Status);
        Assert.StartsWith("/console/login", afterLogout.Response.Headers.Location?.OriginalString, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Logins_are_limited_per_name_and_per_address_with_one_answer_for_unknown_names_and_wrong_passwords()
    {
        await using var relay = await RelayTestHost.StartAsync(https: true, settings: new Dictionary<string, string?>
        {
            ["Console:LoginFailuresPerName"] = "3",
            ["Console:LoginFailuresPerAddress"] = "6",
        });
        var operators = relay.App.Services.GetRequiredService<Operators>();
        await operators.AddAsync("alice", OperatorRoles.Operator, Password);
        await operators.AddAsync("bob", OperatorRoles.Viewer, Password);
        using var client = new ConsoleClient(relay);

        var wrong = new List<(HttpStatusCode, string?)>();
        for (var i = 0; i < 3; i++)
        {
            var answer = await client.LogInAsync("alice", "wrong-password");
            wrong.Add((answer.Status, ConsoleClient.ErrorOf(answer.Body)));
        }

        var unknown = await client.LogInAsync("nobody", Password);
        var aliceRight = await client.LogInAsync("alice", Password);
        var bobRight = await client.LogInAsync("bob", Password);
        using var other = new ConsoleClient(relay);
        await other.LogInAsync("ghost-1", "x-x-x-x-x");
        await other.LogInAsync("ghost-2", "x-x-x-x-x");
        var bobFromFullAddress = await other.LogInAsync("bob", Password);

        Assert.All(wrong, w => Assert.Equal((HttpStatusCode.Unauthorized, "用户名或密码错误。"), w));
        Assert.Equal((HttpStatusCode.Unauthorized, "用户名或密码错误。"), (unknown.Status, ConsoleClient.ErrorOf(unknown.Body)));
        // alice's name is spent; the right password does not help until the window ends.
        Assert.Equal((HttpStatusCode.TooManyRequests, "登录尝试次数过多，请稍后再试。"), (aliceRight.Status, ConsoleClient.ErrorOf(aliceRight.Body)));
        Assert.Equal(HttpStatusCode.Redirect, bobRight.Status);
        // Six failures from this address (3 alice, 1 nobody, 2 ghosts): no one logs in from it any more.
        Assert.Equal(HttpStatusCode.TooManyRequests, bobFromFullAddress.Status);
    }

    [Fact]
    public async Task A_session_ends_after_its_lifetime_and_the_login_page_says_so()
    {
        await using var relay = await RelayTestHost.StartAsync(https: true, settings: new Dictionary<string, string?> { ["Console:SessionLifetime"] = "00:00:02" });
        await relay.App.Services.GetRequiredService<Operators>().AddAsync("alice", OperatorRoles.Operator, Password);
        using var client = new ConsoleClient(relay);
        await client.LogInAsync("alice", Password);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/console/cases")).Status);

        HttpResponseMessage? expired = null;
        await TestAlerts.WaitUntilAsync(async () => (expired = (await client.GetAsync("/console/devices")).Response).StatusCode == HttpStatusCode.Redirect,
            TimeSpan.FromSeconds(15), "the session to expire");
        Assert.Equal("/console/login?expired=1", expired!.Headers.Location?.OriginalString);
        Assert.Equal("登录已过期，请重新登录。", ConsoleClient.ErrorOf((await client.GetAsync("/console/login?expired=1")).Body));
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/console/events")).Status);
    }

    [Fact]
    public async Task The_live_feed_streams_new_alerts_and_case_changes_and_a_stopping_relay_ends_it_at_once()
    {
        var relay = await RelayTestHost.StartAsync(https: true);
        await relay.App.Services.GetRequiredService<Operators>().AddAsync("alice", OperatorRoles.Viewer, Password);
        using var client = new ConsoleClient(relay, "en");
        await client.LogInAsync("alice", Password);
        using var feedRequest = new HttpRequestMessage(HttpMethod.Get, "/console/events");
        using var feed = await client.StreamAsync(feedRequest);
        Assert.Equal("text/event-stream", feed.Content.Headers.ContentType?.MediaType);
        using var lines = new StreamReader(await feed.Content.ReadAsStreamAsync());

        await OpenCaseAsync(relay);
        var seen = new List<string>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (!seen.Contains("Case · Opened: No mask · site-1/box-1"))
        {
            var line = await lines.ReadLineAsync(timeout.Token) ?? throw new EndOfStreamException("the feed ended");
            seen.Add(line.StartsWith("data: ", StringComparison.Ordinal)
                ? System.Text.Json.JsonDocument.Parse(line["data: ".Length..]).RootElement.GetProperty("text").GetString()!
                : line);
        }

        var stopping = System.Diagnostics.Stopwatch.StartNew();
        await relay.DisposeAsync();

        Assert.Contains(seen, l => l == "event: alert");
        Assert.Contains("New alert: No mask (Raised) · site-1/box-1", seen);
        Assert.Contains("event: case", seen);
        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(10), $"the relay took {stopping.Elapsed.TotalSeconds:F1} s to stop with a feed open");
    }

    [Fact]
    public async Task In_clear_the_console_is_refused_without_setting_a_cookie_while_the_API_keeps_its_own_rule()
    {
        var dataDir = Directory.CreateTempSubdirectory("relay-console-clear-").FullName;
        CloudRelay.Tls.RelayCertificateAuthority.Init(Path.Combine(dataDir, "tls"), [], force: false, TimeProvider.System);
        var httpUrl = $"http://127.0.0.1:{FreePort.Next()}";
        await using var app = RelayHost.Build(new RelayStartOptions
        {
            HttpUrl = httpUrl,
            DataDir = dataDir,
            MqttPort = FreePort.Next(),
            Settings = new Dictionary<string, string?> { ["Mqtt:TlsPort"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture) },
            LogLevel = LogLevel.Warning,
        });
        await app.StartAsync();
        await app.Services.GetRequiredService<Operators>().AddAsync("alice", OperatorRoles.Operator, Password);
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = new Uri(httpUrl) };

        var page = await http.GetAsync("/console/login");
        var login = await http.PostAsync("/console/login", new FormUrlEncodedContent(new Dictionary<string, string> { ["name"] = "alice", ["password"] = Password }));
        var health = await http.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.Forbidden, page.StatusCode);
        Assert.Equal("控制台只能通过 HTTPS 访问。", ConsoleClient.ErrorOf(await page.Content.ReadAsStringAsync()));
        Assert.Equal(HttpStatusCode.Forbidden, login.StatusCode);
        Assert.False(page.Headers.Contains("Set-Cookie") || login.Headers.Contains("Set-Cookie"));
        Assert.NotEqual(HttpStatusCode.Forbidden, health.StatusCode);
        await app.StopAsync();
        Directory.Delete(dataDir, recursive: true);
    }
}

/// <summary>The one transport rule of the console.</summary>
[Trait("Category", "Unit")]
public sealed class ConsoleTransportTests
{
    [Theory]
    [InlineData("https", "203.0.113.7", false, true)]
    [InlineData("http", "203.0.113.7", false, false)]
    [InlineData("http", "203.0.113.7", true, false)]
    [InlineData("http", "127.0.0.1", false, false)]
    [InlineData("http", "127.0.0.1", true, true)]
    [InlineData("http", "::1", true, true)]
    public void The_console_is_served_over_HTTPS_or_in_clear_only_to_loopback_on_a_relay_set_to_AllowPlaintext(string scheme, string remote, bool allowPlaintext, bool allowed)
    {
        var http = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        http.Request.Scheme = scheme;
        http.Request.IsHttps = scheme == "https";
        http.Connection.RemoteIpAddress = IPAddress.Parse(remote);
        var options = new RelayOptions { Mqtt = new RelayMqttOptions { AllowPlaintext = allowPlaintext } };

        Assert.Equal(allowed, ConsoleEndpoints.TransportAllowed(http, options));
    }
}

/// <summary><c>Relay:Console</c>: the sample states the defaults, and bad values are one line each.</summary>
[Trait("Category", "Unit")]
public sealed class ConsoleOptionsTests
{
    [Fact]
    public void The_sample_config_states_the_defaults()
    {
        var sample = new ConfigurationBuilder().AddJsonFile(RepoPaths.Seeds("config", "relay-console.json")).Build();
        var bound = sample.GetSection("Relay:Console").Get<RelayConsoleOptions>()!;

        Assert.Equivalent(new RelayConsoleOptions(), bound, strict: true);
        Assert.Equal(10, sample.GetSection("Relay:Console").GetChildren().Count());
    }

    [Fact]
    public void Bad_console_settings_give_one_line_naming_the_key_the_value_and_what_was_expected()
    {
        var options = new RelayOptions();
        options.Console.SessionIdle = TimeSpan.Zero;
        options.Console.LoginFailuresPerName = 0;
        options.Console.MaxAttachmentBytes = 10;

        var failures = new RelayOptionsValidator().Validate(null, options).Failures!.ToList();

        Assert.Equal(
            [
                "Relay:Console:SessionIdle '00:00:00' is invalid; expected a positive time span such as 00:30:00",
                "Relay:Console:LoginFailuresPerName '0' is invalid; expected a whole number of at least 1",
                "Relay:Console:MaxAttachmentBytes '10' is invalid; expected 1024-104857600",
            ],
            failures);
    }
}
