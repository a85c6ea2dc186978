using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EdgeGateway.Core.Alerts;
using EdgeGateway.Core.Health;
using EdgeGateway.Host.Diagnostics;
using EdgeGateway.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeGateway.Host.Tests.Diagnostics;

[Trait("Category", "Integration")]
public sealed class DiagnosticsApiTests(DiagnosticsApiTests.SharedServer shared) : IClassFixture<DiagnosticsApiTests.SharedServer>
{
    /// <summary>One server for the tests that do not need a fresh rate limiter.</summary>
    public sealed class SharedServer : IDisposable
    {
        public DiagnosticsFactory Factory { get; } = new() { LoginAttemptsPerMinute = 1000 };

        public void Dispose() => Factory.Dispose();
    }

    private DiagnosticsFactory Factory => shared.Factory;

    [Fact]
    public async Task Healthz_answers_200_without_a_login()
    {
        using var client = Factory.CreateClient();
        using var response = await client.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("{\"status\":\"ok\",\"checks\":[{\"name\":\"process\",\"status\":\"ok\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Readyz_answers_without_a_login_with_a_status_per_check()
    {
        using var ready = Factory.WithWebHostBuilder(builder => builder.ConfigureTestServices(services =>
            services.AddSingleton<ICameraMonitor>(new Cameras(Camera("k1", 4.0)))));
        using var client = ready.CreateClient();
        using var response = await client.GetAsync("/readyz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var (status, checks) = await ProbeAsync(response);
        Assert.Equal("ok", status);
        Assert.Equal([("camera k1", "ok", "last frame analysed 4.0 s ago")], checks);
    }

    [Fact]
    public async Task Readyz_answers_503_naming_each_camera_without_a_recent_analysed_frame()
    {
        using var stale = Factory.WithWebHostBuilder(builder => builder.ConfigureTestServices(services =>
            services.AddSingleton<ICameraMonitor>(new Cameras(Camera("k1", 4.0), Camera("k2", 45.0), Camera("k3", null)))));
        using var client = stale.CreateClient();
        using var response = await client.GetAsync("/readyz");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var (status, checks) = await ProbeAsync(response);
        Assert.Equal("fail", status);
        Assert.Equal([("camera k1", "ok", "last frame analysed 4.0 s ago"), ("camera k2", "fail", "last frame analysed 45.0 s ago"), ("camera k3", "fail", "no frame analysed yet")], checks);
    }

    [Theory]
    [InlineData("/api/status")]
    [InlineData("/api/status/history")]
    [InlineData("/api/events")]
    [InlineData("/api/cameras")]
    [InlineData("/api/cameras/k1/frame.jpg")]
    [InlineData("/api/elevator")]
    [InlineData("/api/alerts")]
    [InlineData("/api/doctor")]
    [InlineData("/api/logs")]
    [InlineData("/api/session")]
    [InlineData("/api/no-such-thing")]
    public async Task Every_api_answers_401_without_a_session(string path)
    {
        using var client = Factory.CreateClient();
        using var response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task State_changing_apis_answer_401_without_a_session_and_change_nothing()
    {
        using var client = new TechnicianClient(Factory.CreateClient());
        var before = Factory.Elevator.CheckIns.Count;
        using var checkIn = await client.PostAsync("/api/elevator/maintenance", new { technician = "intruder" });
        using var testAlert = await client.PostAsync("/api/alerts/test");
        Assert.Equal(HttpStatusCode.Unauthorized, checkIn.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, testAlert.StatusCode);
        Assert.Equal(before, Factory.Elevator.CheckIns.Count);
    }

    [Fact]
    public async Task A_wrong_password_is_refused_and_opens_no_session()
    {
        using var client = new TechnicianClient(Factory.CreateClient());
        using var login = await client.LoginAsync("not-the-password");
        Assert.Equal(HttpStatusCode.Unauthorized, login.StatusCode);
        Assert.Contains("wrong password", await login.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.False(login.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith("edgegw.session=", StringComparison.Ordinal)));
        using var status = await client.Http.GetAsync("/api/status");
        Assert.Equal(HttpStatusCode.Unauthorized, status.StatusCode);
    }

    [Fact]
    public async Task The_right_password_opens_a_strict_http_only_session_that_shows_the_box()
    {
        using var client = new TechnicianClient(Factory.CreateClient());
        using var login = await client.LoginAsync(DiagnosticsFactory.Password);
        Assert.Equal(HttpStatusCode.NoContent, login.StatusCode);
        var cookie = login.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("edgegw.session=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        // The page is https by default, so neither the session nor the CSRF cookie ever goes out in clear.
        Assert.Contains("; secure", cookie, StringComparison.OrdinalIgnoreCase);
        using var fresh = Factory.CreateClient();
        using var csrf = await fresh.GetAsync(new Uri("/api/csrf", UriKind.Relative));
        var csrfCookie = Assert.Single(csrf.Headers.GetValues("Set-Cookie"), c => c.StartsWith("edgegw.csrf=", StringComparison.Ordinal));
        Assert.Contains("; secure", csrfCookie, StringComparison.OrdinalIgnoreCase);

        using var status = await client.Http.GetFromJsonAsync<JsonDocument>("/api/status");
        var root = status!.RootElement;
        Assert.Equal("kitchen-0042", root.GetProperty("deviceId").GetString());
        Assert.Equal("xuhui-0193", root.GetProperty("siteId").GetString());
        Assert.True(root.GetProperty("uplink").GetProperty("connected").GetBoolean());
        Assert.Equal(5, root.GetProperty("uplink").GetProperty("depth").GetProperty("snapshot").GetInt64());
        Assert.Equal("k1", root.GetProperty("cameras")[0].GetProperty("cameraId").GetString());
        Assert.Equal("Idle", root.GetProperty("elevator").GetProperty("state").GetString());
        Assert.True(root.GetProperty("now").GetProperty("processMemoryMb").GetDouble() > 1);
    }

    [Fact]
    public async Task Logout_ends_the_session()
    {
        using var client = new TechnicianClient(Factory.CreateClient());
        using var login = await client.LoginAsync(DiagnosticsFactory.Password);
        var cookie = PageSessionTests.SessionCookie(login);
        using (var before = await PageSessionTests.ReplayAsync(Factory, cookie))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        using var logout = await client.PostAsync("/api/logout");
        Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);
        using var status = await client.Http.GetAsync("/api/status");
        Assert.Equal(HttpStatusCode.Unauthorized, status.StatusCode);

        // A copy of the cookie taken before the logout (another tab, a proxy log, a stolen phone) opens nothing.
        using var replayed = await PageSessionTests.ReplayAsync(Factory, cookie);
        Assert.Equal(HttpStatusCode.Unauthorized, replayed.StatusCode);
    }

    [Fact]
    public async Task A_post_without_the_csrf_token_is_rejected_and_changes_nothing()
    {
        using var client = await Factory.LoggedInAsync();
        var before = Factory.Elevator.CheckIns.Count;

        using var noToken = await client.Http.PostAsJsonAsync("/api/elevator/maintenance", new { technician = "forged" });
        Assert.Equal(HttpStatusCode.BadRequest, noToken.StatusCode);
        Assert.Contains("CSRF", await noToken.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var wrongToken = await client.PostAsync("/api/elevator/maintenance", new { technician = "forged" }, token: "not-a-token");
        Assert.Equal(HttpStatusCode.BadRequest, wrongToken.StatusCode);
        Assert.DoesNotContain("forged", Factory.Elevator.CheckIns);
        Assert.Equal(before, Factory.Elevator.CheckIns.Count);

        using var withToken = await client.PostAsync("/api/elevator/maintenance", new { technician = "Wang Wei #0417" });
        Assert.Equal(HttpStatusCode.OK, withToken.StatusCode);
        Assert.Contains("Wang Wei #0417", Factory.Elevator.CheckIns);
    }

    [Fact]
    public async Task A_token_from_another_session_is_rejected()
    {
        using var alice = await Factory.LoggedInAsync();
        using var bob = await Factory.LoggedInAsync();
        var bobsToken = await bob.CsrfTokenAsync();
        using var response = await alice.PostAsync("/api/alerts/test", token: bobsToken);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Maintenance_check_in_needs_a_technician_name()
    {
        using var client = await Factory.LoggedInAsync();
        using var response = await client.PostAsync("/api/elevator/maintenance", new { technician = "  " });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("technician", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_camera_view_serves_the_latest_annotated_frame_as_jpeg()
    {
        using var client = await Factory.LoggedInAsync();
        using var frame = await client.Http.GetAsync("/api/cameras/k1/frame.jpg");
        Assert.Equal(HttpStatusCode.OK, frame.StatusCode);
        Assert.Equal("image/jpeg", frame.Content.Headers.ContentType?.MediaType);
        Assert.Equal(Factory.Cameras.Jpeg, await frame.Content.ReadAsByteArrayAsync());

        using var unknown = await client.Http.GetAsync("/api/cameras/nope/frame.jpg");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task The_elevator_view_carries_the_mermaid_diagram()
    {
        using var client = await Factory.LoggedInAsync();
        using var view = await client.Http.GetFromJsonAsync<JsonDocument>("/api/elevator");
        Assert.StartsWith("stateDiagram-v2", view!.RootElement.GetProperty("mermaid").GetString(), StringComparison.Ordinal);
        Assert.True(view.RootElement.GetProperty("snapshot").GetProperty("inputs").GetProperty("door_closed").GetBoolean());
    }

    [Fact]
    public async Task A_test_alert_goes_into_the_outbox_and_shows_in_recent_alerts()
    {
        using var client = await Factory.LoggedInAsync();
        using var sent = await client.PostAsync("/api/alerts/test");
        Assert.Equal(HttpStatusCode.OK, sent.StatusCode);
        var id = (await sent.Content.ReadFromJsonAsync<JsonDocument>())!.RootElement.GetProperty("id").GetGuid();

        lock (Factory.Outbox.Messages)
        {
            Assert.Contains(Factory.Outbox.Messages, m => m.AlertId == id);
        }

        using var alerts = await client.Http.GetFromJsonAsync<JsonDocument>("/api/alerts");
        var listed = alerts!.RootElement.EnumerateArray().Single(a => a.GetProperty("id").GetGuid() == id);
        Assert.Equal("test", listed.GetProperty("kind").GetString());
        Assert.Equal("diagnostics", listed.GetProperty("attributes").GetProperty("source").GetString());
    }

    [Fact]
    public async Task Recent_alerts_serve_their_snapshot()
    {
        using var client = await Factory.LoggedInAsync();
        // A snapshot as the box renders it: within the contract's size (the camera's full frame is larger).
        var jpeg = File.ReadAllBytes(RepoPaths.SharedFile("images", "person-with-mask.jpg"));
        Assert.InRange(jpeg.Length, 1, EdgeGateway.Contracts.Evidence.SnapshotLimits.MaxBytes);
        var alert = await Factory.Publisher.PublishAsync(new AlertDraft(AlertKinds.NoMask, AlertSeverity.Warning, AlertState.Raised) { SnapshotJpeg = jpeg });

        using var alerts = await client.Http.GetFromJsonAsync<JsonDocument>("/api/alerts");
        Assert.True(alerts!.RootElement.EnumerateArray().Single(a => a.GetProperty("id").GetGuid() == alert.Id).GetProperty("hasSnapshot").GetBoolean());
        Assert.Equal(jpeg, await client.Http.GetByteArrayAsync($"/api/alerts/{alert.Id}/snapshot.jpg"));
    }

    [Fact]
    public async Task The_live_stream_starts_with_a_status_event_and_carries_new_alerts()
    {
        using var client = await Factory.LoggedInAsync();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var response = await client.Http.GetAsync("/api/events", HttpCompletionOption.ResponseHeadersRead, cancel.Token);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancel.Token));
        Assert.Equal("event: status", await reader.ReadLineAsync(cancel.Token));
        Assert.Contains("kitchen-0042", await reader.ReadLineAsync(cancel.Token), StringComparison.Ordinal);

        var alert = await Factory.Publisher.PublishAsync(new AlertDraft(AlertKinds.Rat, AlertSeverity.Critical, AlertState.Raised));
        string? line;
        while ((line = await reader.ReadLineAsync(cancel.Token)) is not null)
        {
            if (line == "event: alert")
            {
                var data = await reader.ReadLineAsync(cancel.Token);
                if (data!.Contains(alert.Id.ToString(), StringComparison.Ordinal))
                {
                    Assert.Contains("\"kind\":\"rat\"", data, StringComparison.Ordinal);
                    return;
                }
            }
        }

        Assert.Fail("the stream ended without the alert");
    }

    [Fact]
    public async Task The_login_words_come_without_a_session_in_the_browsers_language_and_the_layout_library_from_the_box()
    {
        using var client = Factory.CreateClient();
        using var chinese = new HttpRequestMessage(HttpMethod.Get, "/api/i18n");
        chinese.Headers.AcceptLanguage.ParseAdd("zh-TW,zh;q=0.9,en;q=0.5");
        using var answer = await client.SendAsync(chinese);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var words = await answer.Content.ReadFromJsonAsync<TextView>();
        Assert.Equal("zh-CN", words!.Language);
        Assert.Equal("技术人员登录", words.Strings["login.title"]);
        Assert.Equal("en", (await client.GetFromJsonAsync<TextView>("/api/i18n?lang=en"))!.Language);

        using var library = await client.GetAsync("/vendor/dagre.min.js");
        Assert.Equal(HttpStatusCode.OK, library.StatusCode);
        Assert.Contains("dagre", await library.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_page_itself_loads_without_a_session_and_forbids_framing_and_inline_script()
    {
        using var client = Factory.CreateClient();
        using var page = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("data-i18n=\"login.title\"", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var csp = string.Join(' ', page.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("object-src 'none'", csp, StringComparison.Ordinal);

        // The same headers as the relay's console, on the page and on every answer of its API, a refusal included.
        using var status = await client.GetAsync("/api/status");
        Assert.Equal(HttpStatusCode.Unauthorized, status.StatusCode);
        foreach (var answer in new[] { page, status })
        {
            Assert.Equal("DENY", string.Join(',', answer.Headers.GetValues("X-Frame-Options")));
            Assert.Equal("nosniff", string.Join(',', answer.Headers.GetValues("X-Content-Type-Options")));
            Assert.True(answer.Headers.CacheControl?.NoStore, $"{answer.RequestMessage!.RequestUri} may be cached");
        }

        using var script = await client.GetAsync("/app.js");
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Contains("parseMermaid", await script.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_log_tail_shows_the_gateways_own_lines()
    {
        using var client = await Factory.LoggedInAsync();
        using var checkIn = await client.PostAsync("/api/elevator/maintenance", new { technician = "tail-check" });
        using var lines = await client.Http.GetFromJsonAsync<JsonDocument>("/api/logs");
        Assert.Contains(lines!.RootElement.EnumerateArray(), l => l.GetProperty("message").GetString()!.Contains("Maintenance check-in by tail-check", StringComparison.Ordinal));
        Assert.DoesNotContain(lines.RootElement.EnumerateArray(), l => l.GetProperty("message").GetString()!.Contains("Request starting", StringComparison.Ordinal));
    }

    /// <summary>The probe's overall status and its checks as (name, status, detail).</summary>
    private static async Task<(string?, (string?, string?, string?)[])> ProbeAsync(HttpResponseMessage response)
    {
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (json.RootElement.GetProperty("status").GetString(),
            [.. json.RootElement.GetProperty("checks").EnumerateArray().Select(c => (c.GetProperty("name").GetString(), c.GetProperty("status").GetString(), c.GetProperty("detail").GetString()))]);
    }

    private static CameraHealth Camera(string id, double? analysedSecondsAgo) =>
        new(id, "kitchen", true, 120, 40, 2, 0.1, 0, null, 4.0, analysedSecondsAgo);

    /// <summary>Cameras whose last analysed frame is as old as the test says.</summary>
    private sealed class Cameras(params CameraHealth[] cameras) : ICameraMonitor
    {
        public IReadOnlyList<CameraHealth> GetHealth() => cameras;

        public bool TryGetLatestAnnotatedJpeg(string cameraId, out ReadOnlyMemory<byte> jpeg)
        {
            jpeg = default;
            return false;
        }
    }
}
