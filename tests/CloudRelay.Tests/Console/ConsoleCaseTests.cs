using System.Net;
using System.Net.Http.Headers;
using CloudRelay.Cases;
using CloudRelay.OperatorConsole;
using CloudRelay.Settings;
using CloudRelay.Database;
using EdgeGateway.Contracts;
using EdgeGateway.Contracts.Evidence;
using EdgeGateway.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace CloudRelay.Tests.Console;

/// <summary>Acting on cases through the console over HTTPS: attachments, roles, the audit trail, and the language.</summary>
[Trait("Category", "Integration")]
public sealed class ConsoleCaseTests
{
    private const string Password = "kitchen-watch-2026";

    private static HttpRequestMessage Rectify(Guid id, string csrf, string note, (byte[] Bytes, string Type, string Name)? file)
    {
        var form = new MultipartFormDataContent
        {
            { new StringContent(csrf), ConsoleSessions.CsrfField },
            { new StringContent(note), "note" },
        };
        if (file is { } attached)
        {
            var content = new ByteArrayContent(attached.Bytes);
            content.Headers.ContentType = new MediaTypeHeaderValue(attached.Type);
            form.Add(content, "attachment", attached.Name);
        }

        return new HttpRequestMessage(HttpMethod.Post, $"/console/cases/{id:D}/rectify") { Content = form };
    }

    [Fact]
    public async Task The_backlog_a_box_reports_is_on_the_devices_page_and_in_the_api_and_a_report_for_another_box_is_refused()
    {
        await using var relay = await RelayTestHost.StartAsync(https: true);
        await relay.App.Services.GetRequiredService<Operators>().AddAsync("alice", OperatorRoles.Viewer, Password);
        var box = await relay.ConnectAsync(await relay.AddDeviceAsync("site-1", "box-1"));
        await relay.AddDeviceAsync("site-1", "box-2");

        await box.PublishAsync("edge/site-1/box-1/telemetry", new EdgeGateway.Contracts.Telemetry.BacklogReport("site-1", "box-1", 1234, 99_000).Encode());
        var forged = await box.PublishAsync("edge/site-1/box-1/telemetry", new EdgeGateway.Contracts.Telemetry.BacklogReport("site-1", "box-2", 5, 500).Encode());

        Assert.NotEqual(MQTTnet.MqttClientPublishReasonCode.Success, forged.ReasonCode);
        var devices = await relay.Http.GetJsonAsync<List<CloudRelay.Api.DeviceView>>("/api/devices");
        Assert.Equal(1234, devices.Single(d => d.Device == "box-1").Backlog);
        Assert.Null(devices.Single(d => d.Device == "box-2").Backlog);
        using var alice = new ConsoleClient(relay, "en");
        await alice.LogInAsync("alice", Password);
        var page = (await alice.GetAsync("/console/devices")).Body;
        Assert.Contains("data-backlog=\"1234\"", page, StringComparison.Ordinal);
        Assert.Contains("Not reported", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_case_shows_its_alerts_signed_clip_which_only_logged_in_operators_can_play_and_seek()
    {
        await using var relay = await RelayTestHost.StartAsync(https: true);
        await relay.App.Services.GetRequiredService<Operators>().AddAsync("alice", OperatorRoles.Viewer, Password);
        using var boxKey = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var box = await relay.ConnectAsync(await relay.AddDeviceAsync("site-1", "box-1"));
        await relay.App.Services.GetRequiredService<CloudRelay.Evidence.DeviceSigningKeys>()
            .RegisterAsync("site-1", "box-1", EvidenceSignature.PublicKeyPem(boxKey), CancellationToken.None);
        var alert = CaseDeadlineTests.At("box-1", "k1");
        alert = alert with { ClipRef = EdgeTopic.ClipReference(alert.Id) };
        var clip = System.Text.Encoding.ASCII.GetBytes(new string('v', 3000)); // the relay stores a clip's bytes as they came
        var sha256 = System.Security.Cryptography.SHA256.HashData(clip);
        var manifest = new EvidenceManifest(alert.Id, "box-1", "site-1", alert.Kind, alert.TimestampMs, null, Convert.ToHexStringLower(sha256)).ToBytes();

        await box.PublishAlertAsync(alert);
        await box.PublishAsync($"edge/site-1/box-1/clip/{alert.Id:D}", new ClipChunk(0, clip.Length, sha256, clip).Encode());
        await box.PublishAsync($"edge/site-1/box-1/evidence/{alert.Id:D}",
            new EvidenceEnvelope(manifest, EvidenceSignature.Sign(boxKey, manifest), EvidenceSignature.KeyId(boxKey)).Encode());
        CaseRecord? opened = null;
        await TestAlerts.WaitUntilAsync(async () => (opened = (await CaseDeadlineTests.CasesAsync(relay)).SingleOrDefault()) is not null,
            TimeSpan.FromSeconds(10), "the case to open");
        using var alice = new ConsoleClient(relay, "en");
        await alice.LogInAsync("alice", Password);
        var page = "";
        await TestAlerts.WaitUntilAsync(async () => (page = (await alice.GetAsync($"/console/cases/{opened!.Id:D}")).Body).Contains("data-verified=\"true\"", StringComparison.Ordinal),
            TimeSpan.FromSeconds(10), "the case page to show the verified clip");

        Assert.Contains($"<video src=\"/console/clips/{alert.Id:D}\"", page, StringComparison.Ordinal);
        Assert.Contains("Signed by the box: verified", page, StringComparison.Ordinal);
        using var seek = new HttpRequestMessage(HttpMethod.Get, $"/console/clips/{alert.Id:D}") { Headers = { Range = new RangeHeaderValue(100, 199) } };
        var part = await alice.SendAsync(seek);
        Assert.Equal(HttpStatusCode.PartialContent, part.Status);
        Assert.Equal("video/mp4", part.Response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(new string('v', 100), part.Body);
        using var stranger = new ConsoleClient(relay, "en");
        Assert.Equal(HttpStatusCode.Unauthorized, (await stranger.GetAsync($"/console/clips/{alert.Id:D}")).Status);
    }

    [Fact]
    public async Task A_rectify_attachment_of_the_wrong_type_or_too_large_is_refused_with_one_line_and_a_photo_is_kept_for_logged_in_operators_only()
    {
        await using var relay = await RelayTestHost.StartAsync(https: true, settings: new Dictionary<string, string?> { ["Console:MaxAttachmentBytes"] = "20000" });
        await relay.App.Services.GetRequiredService<Operators>().AddAsync("alice", OperatorRoles.Operator, Password);
        var opened = await ConsoleSecurityTests.OpenCaseAsync(relay);
        using var alice = new ConsoleClient(relay, "en");
        await alice.LogInAsync("alice", Password);
        await alice.GetAsync($"/console/cases/{opened.Id:D}");
        var photo = await File.ReadAllBytesAsync(RepoPaths.SharedFile("images", "person-with-mask.jpg"));
        byte[] large = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, .. new byte[30_000]];

        var script = await alice.SendAsync(Rectify(opened.Id, alice.Csrf!, "done", ("<script>alert(1)</script>"u8.ToArray(), "image/png", "x.png")));
        var disguised = await alice.SendAsync(Rectify(opened.Id, alice.Csrf!, "done", (photo, "application/pdf", "report.pdf")));
        var tooLarge = await alice.SendAsync(Rectify(opened.Id, alice.Csrf!, "done", (large, "image/png", "big.png")));
        var noNote = await alice.SendAsync(Rectify(opened.Id, alice.Csrf!, "  ", (photo, "image/jpeg", "fixed.jpg")));

        const string Refused = "Attachment refused: expected one JPEG, PNG or PDF file of at most 19 KB.";
        foreach (var answer in new[] { script, disguised, tooLarge })
        {
            Assert.Equal((HttpStatusCode.BadRequest, Refused), (answer.Status, ConsoleClient.ErrorOf(answer.Body)));
        }

        Assert.Equal((HttpStatusCode.BadRequest, "Write what was done (up to 2000 characters)."), (noNote.Status, ConsoleClient.ErrorOf(noNote.Body)));
        Assert.Equal(CaseStates.Open, await ConsoleSecurityTests.StateOfAsync(relay, opened.Id));
        Assert.Empty(await relay.App.Services.GetRequiredService<IConsoleStore>().ListAttachmentsAsync(opened.Id, CancellationToken.None));

        var done = await alice.SendAsync(Rectify(opened.Id, alice.Csrf!, "bin lid replaced", (photo, "image/jpeg", "../../lid.jpg")));
        Assert.Equal(HttpStatusCode.Redirect, done.Status);
        var kept = Assert.Single(await relay.App.Services.GetRequiredService<IConsoleStore>().ListAttachmentsAsync(opened.Id, CancellationToken.None));
        Assert.Equal(("lid.jpg", "image/jpeg", (long)photo.Length), (kept.FileName, kept.ContentType, kept.Size));
        var served = await alice.GetAsync($"/console/attachments/{kept.Id:D}");
        Assert.Equal(HttpStatusCode.OK, served.Status);
        Assert.Equal("image/jpeg", served.Response.Content.Headers.ContentType?.MediaType);
        using var anonymous = new ConsoleClient(relay);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/console/attachments/{kept.Id:D}")).Status);

        // The timeline names who did it, with the note and the file.
        var page = (await alice.GetAsync($"/console/cases/{opened.Id:D}")).Body;
        Assert.Contains("By: alice", page, StringComparison.Ordinal);
        Assert.Contains("bin lid replaced", page, StringComparison.Ordinal);
        Assert.Contains($"/console/attachments/{kept.Id:D}", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_case_list_puts_the_soonest_deadline_first_marks_overdue_cases_and_filters_by_state_kind_and_site()
    {
        await using var relay = await RelayTestHost.StartAsync(https: true);
        await relay.App.Services.GetRequiredService<Operators>().AddAsync("zhang", OperatorRoles.Viewer, Password);
        var box = await relay.ConnectAsync(await relay.AddDeviceAsync("site-1", "box-1"));
        await box.PublishAsync("edge/site-1/box-1/state", "online"u8.ToArray(), retain: true); // The box's birth message.
        foreach (var kind in new[] { EdgeGateway.Contracts.AlertKinds.BinUncovered, EdgeGateway.Contracts.AlertKinds.NoMask, EdgeGateway.Contracts.AlertKinds.Rat })
        {
            await box.PublishAlertAsync(TestAlerts.Make("site-1", "box-1", kind));
        }

        // A rat is overdue at once: wait until the tracker has said so.
        await TestAlerts.WaitUntilAsync(async () => (await CaseDeadlineTests.CasesAsync(relay)).Count(c => c.State is CaseStates.Open or CaseStates.Overdue) == 3
            && (await CaseDeadlineTests.CasesAsync(relay)).Any(c => c.State == CaseStates.Overdue), TimeSpan.FromSeconds(10), "three cases, the rat overdue");
        using var viewer = new ConsoleClient(relay, "en");
        await viewer.LogInAsync("zhang", Password);

        var all = (await viewer.GetAsync("/console/cases")).Body;
        var overdueOnly = (await viewer.GetAsync("/console/cases?state=overdue")).Body;
        var bins = (await viewer.GetAsync("/console/cases?state=any&kind=bin_uncovered")).Body;
        var otherSite = (await viewer.GetAsync("/console/cases?site=site-2")).Body;

        var order = System.Text.RegularExpressions.Regex.Matches(all, "<a href=\"/console/cases/[^\"]+\">([^<]+)</a>").Select(m => m.Groups[1].Value);
        Assert.Equal(["Rat", "No mask", "Bin uncovered"], order);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(all, "class=\"badge overdue-mark\">Rectification overdue<"));
        Assert.Contains("data-state=\"overdue\" class=\"overdue\"", all, StringComparison.Ordinal);
        Assert.Contains(">Rat</a>", overdueOnly, StringComparison.Ordinal);
        Assert.DoesNotContain(">No mask</a>", overdueOnly, StringComparison.Ordinal);
        Assert.Contains(">Bin uncovered</a>", bins, StringComparison.Ordinal);
        Assert.DoesNotContain(">Rat</a>", bins, StringComparison.Ordinal);
        Assert.Contains("No cases match.", otherSite, StringComparison.Ordinal);

        // The devices page: the connected box is online, with when it was last seen.
        await relay.AddDeviceAsync("site-2", "box-never");
        var devices = (await viewer.GetAsync("/console/devices")).Body;
        Assert.Matches("<tr data-device=\"site-1/box-1\"><td>site-1</td><td>box-1</td><td class=\"online\">Online</td><td><time ", devices);
        Assert.Contains("<tr data-device=\"site-2/box-never\"><td>site-2</td><td>box-never</td><td class=\"offline\">Offline</td><td>Never connected</td>", devices, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_viewer_sees_cases_without_actions_and_every_action_it_posts_is_refused_with_403()
    {
        await using var relay = await RelayTestHost.StartAsync(https: true);
        await relay.App.Services.GetRequiredService<Operators>().AddAsync("zhang", OperatorRoles.Viewer, Password);
        var opened = await ConsoleSecurityTests.OpenCaseAsync(relay);
        using var viewer = new ConsoleClient(relay);
        await viewer.LogInAsync("zhang", Password);

        var page = await viewer.GetAsync($"/console/cases/{opened.Id:D}");
        var answers = new List<HttpStatusCode>();
        foreach (var action in new[] { "ack", "reopen" })
        {
            answers.Add((await viewer.PostAsync($"/console/cases/{opened.Id:D}/{action}")).Status);
        }

        answers.Add((await viewer.SendAsync(Rectify(opened.Id, viewer.Csrf!, "closing it anyway", null))).Status);

        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Contains("id=\"viewer-notice\"", page.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"rectify\"", page.Body, StringComparison.Ordinal);
        Assert.All(answers, status => Assert.Equal(HttpStatusCode.Forbidden, status));
        Assert.Equal(CaseStates.Open, await ConsoleSecurityTests.StateOfAsync(relay, opened.Id));
    }

    [Fact]
    public async Task An_admin_adds_and_removes_operators_in_the_console_while_an_operator_may_not_and_a_removed_operator_is_logged_out()
    {
        await using var relay = await RelayTestHost.StartAsync(https: true);
        var operators = relay.App.Services.GetRequiredService<Operators>();
        await operators.AddAsync("root", OperatorRoles.Admin, Password);
        await operators.AddAsync("alice", OperatorRoles.Operator, Password);
        using var admin = new ConsoleClient(relay, "en");
        using var alice = new ConsoleClient(relay, "en");
        await admin.LogInAsync("root", Password);
        await alice.LogInAsync("alice", Password);

        var page = await admin.GetAsync("/console/operators");
        var added = await admin.PostAsync("/console/operators", new Dictionary<string, string> { ["name"] = "wang", ["role"] = "viewer", ["password"] = "viewer-pass-1" });
        var weak = await admin.PostAsync("/console/operators", new Dictionary<string, string> { ["name"] = "zhao", ["role"] = "viewer", ["password"] = "short" });
        var aliceSees = await alice.GetAsync("/console/operators");
        await alice.GetAsync("/console/cases");
        var aliceAdds = await alice.PostAsync("/console/operators", new Dictionary<string, string> { ["name"] = "mallory", ["role"] = "admin", ["password"] = "mallory-pass-1" });
        using var wang = new ConsoleClient(relay);
        var wangLogin = await wang.LogInAsync("wang", "viewer-pass-1");

        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Contains("id=\"nav-operators\"", page.Body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, added.Status);
        Assert.Equal(HttpStatusCode.BadRequest, weak.Status);
        Assert.StartsWith("Not added:", ConsoleClient.ErrorOf(weak.Body), StringComparison.Ordinal);
        Assert.Equal((HttpStatusCode.Forbidden, "Your role cannot do this."), (aliceSees.Status, ConsoleClient.ErrorOf(aliceSees.Body)));
        Assert.DoesNotContain("id=\"nav-operators\"", (await alice.GetAsync("/console/cases")).Body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, aliceAdds.Status);
        Assert.Equal(HttpStatusCode.Redirect, wangLogin.Status);
        Assert.Equal(["alice", "root", "wang"], (await operators.ListAsync()).Select(o => o.Name));

        await admin.GetAsync("/console/operators");
        Assert.Equal(HttpStatusCode.Redirect, (await admin.PostAsync("/console/operators/wang/remove")).Status);
        Assert.Equal(HttpStatusCode.Redirect, (await admin.PostAsync("/console/operators/root/remove")).Status);
        Assert.Equal(["alice", "root"], (await operators.ListAsync()).Select(o => o.Name));
        var wangAfter = await wang.GetAsync("/console/cases");
        Assert.Equal(HttpStatusCode.Redirect, wangAfter.Status);
    }

    [Fact]
    public async Task Labels_follow_Accept_Language_with_Chinese_by_default_and_an_operators_switch_is_remembered_wherever_they_log_in()
    {
        await using var relay = await RelayTestHost.StartAsync(https: true);
        await relay.App.Services.GetRequiredService<Operators>().AddAsync("alice", OperatorRoles.Operator, Password);
        using var english = new ConsoleClient(relay, "en-GB,en;q=0.9");
        using var chinese = new ConsoleClient(relay, "zh-CN,zh;q=0.9,en;q=0.8");
        using var french = new ConsoleClient(relay, "fr-FR");
        using var none = new ConsoleClient(relay);

        Assert.Contains("<h1>Operator login</h1>", (await english.GetAsync("/console/login")).Body, StringComparison.Ordinal);
        Assert.Contains("<h1>操作员登录</h1>", (await chinese.GetAsync("/console/login")).Body, StringComparison.Ordinal);
        Assert.Contains("<h1>操作员登录</h1>", (await french.GetAsync("/console/login")).Body, StringComparison.Ordinal);
        Assert.Contains("<html lang=\"zh-CN\">", (await none.GetAsync("/console/login")).Body, StringComparison.Ordinal);

        await english.LogInAsync("alice", Password);
        Assert.Contains("<h1>Cases</h1>", (await english.GetAsync("/console/cases")).Body, StringComparison.Ordinal);
        await english.PostAsync("/console/language", new Dictionary<string, string> { ["language"] = ConsoleText.Chinese });
        using var elsewhere = new ConsoleClient(relay, "en-US");
        await elsewhere.LogInAsync("alice", Password);

        Assert.Contains("<h1>案件</h1>", (await english.GetAsync("/console/cases")).Body, StringComparison.Ordinal);
        Assert.Contains("<h1>案件</h1>", (await elsewhere.GetAsync("/console/cases")).Body, StringComparison.Ordinal);
        Assert.Equal(ConsoleText.Chinese, (await relay.App.Services.GetRequiredService<IConsoleStore>().FindOperatorAsync("alice", CancellationToken.None))!.Language);
    }
}

/// <summary>The two resource files stay alike, and every label the pages ask for is in both.</summary>
[Trait("Category", "Unit")]
public sealed class ConsoleTextTests
{
    [Fact]
    public void Both_languages_have_the_same_labels_including_every_state_event_role_and_case_kind()
    {
        var chinese = ConsoleText.Keys(ConsoleText.Chinese).ToHashSet();
        var english = ConsoleText.Keys(ConsoleText.English).ToHashSet();
        IEnumerable<string> needed =
        [
            .. CaseStates.All.Select(s => $"state.{s}"),
            .. new[] { CaseEventTypes.Opened, CaseEventTypes.Acknowledged, CaseEventTypes.ResolvedAtSource, CaseEventTypes.RaisedAgain, CaseEventTypes.Overdue,
                CaseEventTypes.Rectified, CaseEventTypes.Reopened }.Select(e => $"event.{e}"),
            .. OperatorRoles.All.Select(r => $"role.{r}"),
            .. CaseDeadlines.Defaults.Keys.Select(k => $"kind.{k}"),
        ];
        var sources = Directory.GetFiles(Path.Combine(RepoPaths.Root, "cloud-relay", "CloudRelay", "OperatorConsole"), "*.cs");
        var asked = sources.SelectMany(file => System.Text.RegularExpressions.Regex.Matches(File.ReadAllText(file), "t\\[\"([a-z_.]+)\"\\]").Select(m => m.Groups[1].Value));

        Assert.Empty(chinese.Except(english));
        Assert.Empty(english.Except(chinese));
        var missing = needed.Concat(asked).Distinct().Except(chinese).ToList();
        Assert.True(missing.Count == 0, $"labels missing from the resource files: {string.Join(", ", missing)}");
        Assert.True(asked.Count() > 40, "the pages' labels were found in the sources");
        Assert.NotEqual(ConsoleText.For(ConsoleText.Chinese)["cases.title"], ConsoleText.For(ConsoleText.English)["cases.title"]);
    }
}
