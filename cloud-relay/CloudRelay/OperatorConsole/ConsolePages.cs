using System.Globalization;
using CloudRelay.Cases;
using CloudRelay.Devices;
using CloudRelay.Database;
using EdgeGateway.Contracts;

namespace CloudRelay.OperatorConsole;

/// <summary>The console's pages as server-rendered HTML; the script only formats times and shows the live feed.</summary>
internal static partial class ConsolePages
{
    public const string Root = "/console";

    private static readonly string[] DeviceColumns = ["devices.site", "devices.device", "devices.state", "devices.last_seen", "devices.backlog"];
    private static readonly string[] CaseColumns = ["cases.deadline", "cases.state", "cases.kind", "cases.site", "cases.device", "cases.subject", "cases.opened"];

    public static string Login(ConsoleText t, string csrf, string? error) =>
        Layout(t, null, t["login.title"], page =>
        {
            page.Open("form", ("id", "login"), ("method", "post"), ("action", $"{Root}/login"), ("class", "card"));
            Csrf(page, csrf);
            page.Element("h1", t["login.title"]);
            if (error is not null)
            {
                page.Element("p", error, ("id", "login-error"), ("class", "error"), ("role", "alert"));
            }

            page.Element("label", t["login.name"], ("for", "name"))
                .Open("input", ("id", "name"), ("name", "name"), ("autocomplete", "username"), ("required", "required"), ("maxlength", "64"))
                .Element("label", t["login.password"], ("for", "password"))
                .Open("input", ("id", "password"), ("name", "password"), ("type", "password"), ("autocomplete", "current-password"), ("required", "required"))
                .Element("button", t["login.submit"], ("id", "login-button"), ("type", "submit"))
                .Raw("</form>");
        }, csrf);

    /// <summary>A page with only a message: refused transport, refused request, unknown case.</summary>
    public static string Message(ConsoleText t, ConsoleUser? user, string message) =>
        Layout(t, user, t["app.title"], page => page.Element("p", message, ("id", "message"), ("class", "error"), ("role", "alert")), user?.Csrf);

    public static string Devices(ConsoleText t, ConsoleUser user, IReadOnlyList<DeviceRecord> devices, StorageState? storageFull = null) =>
        Layout(t, user, t["devices.title"], page =>
        {
            page.Element("h1", t["devices.title"]);
            if (storageFull is { } full)
            {
                page.Element("p", string.Create(CultureInfo.InvariantCulture, $"{t["devices.storage_full"]} ({full.FreeBytes / (1024 * 1024)} MB / {full.ReserveBytes / (1024 * 1024)} MB)"),
                    ("id", "storage-full"), ("class", "error"), ("role", "alert"));
            }

            if (devices.Count == 0)
            {
                page.Element("p", t["devices.none"]);
                return;
            }

            TableStart(page, t, "devices", DeviceColumns);
            foreach (var device in devices)
            {
                page.Open("tr", ("data-device", $"{device.Site}/{device.Device}"))
                    .Element("td", device.Site).Element("td", device.Device)
                    .Element("td", device.Online ? t["devices.online"] : t["devices.offline"], ("class", device.Online ? "online" : "offline"))
                    .Raw("<td>").Time(device.LastSeenMs, t["devices.never"]).Raw("</td>");
                if (device.Backlog is { } backlog)
                {
                    page.Open("td", ("class", "backlog"), ("data-backlog", backlog.ToString(CultureInfo.InvariantCulture)))
                        .Text(backlog.ToString("N0", CultureInfo.InvariantCulture)).Raw(" · ").Time(device.BacklogMs).Raw("</td></tr>");
                }
                else
                {
                    page.Element("td", t["devices.backlog_unknown"], ("class", "backlog")).Raw("</tr>");
                }
            }

            page.Raw("</tbody></table>");
        }, user.Csrf);

    public static string Cases(ConsoleText t, ConsoleUser user, CaseFilter filter, IReadOnlyList<CaseRecord> cases, bool truncated, long nowMs) =>
        Layout(t, user, t["cases.title"], page =>
        {
            page.Element("h1", t["cases.title"]);
            page.Open("form", ("id", "case-filter"), ("method", "get"), ("action", $"{Root}/cases"), ("class", "filters"));
            page.Element("label", t["cases.state"], ("for", "state")).Open("select", ("id", "state"), ("name", "state"));
            Option(page, string.Empty, t["cases.unclosed"], filter.State);
            Option(page, CaseFilter.AnyState, t["cases.any"], filter.State);
            foreach (var state in CaseStates.All)
            {
                Option(page, state, t[$"state.{state}"], filter.State);
            }

            page.Raw("</select>")
                .Element("label", t["cases.kind"], ("for", "kind")).Open("input", ("id", "kind"), ("name", "kind"), ("value", filter.Kind), ("maxlength", "64"))
                .Element("label", t["cases.site"], ("for", "site")).Open("input", ("id", "site"), ("name", "site"), ("value", filter.Site), ("maxlength", "64"))
                .Element("button", t["cases.apply"], ("type", "submit")).Raw("</form>");
            if (cases.Count == 0)
            {
                page.Element("p", t["cases.none"], ("id", "no-cases"));
                return;
            }

            TableStart(page, t, "cases", CaseColumns);
            foreach (var record in cases)
            {
                var overdue = IsOverdue(record, nowMs);
                page.Open("tr", ("data-case", record.Id.ToString("D")), ("data-state", record.State), ("class", overdue ? "overdue" : null))
                    .Raw("<td>").Time(record.DeadlineMs);
                if (overdue)
                {
                    page.Raw(" ").Element("span", t["cases.overdue_mark"], ("class", "badge overdue-mark"));
                }

                page.Raw("</td>").Element("td", t[$"state.{record.State}"], ("class", "state"))
                    .Raw("<td>").Element("a", Kind(t, record.Kind), ("href", $"{Root}/cases/{record.Id:D}")).Raw("</td>")
                    .Element("td", record.Site).Element("td", record.Device).Element("td", record.Subject)
                    .Raw("<td>").Time(record.OpenedMs).Raw("</td></tr>");
            }

            page.Raw("</tbody></table>");
            if (truncated)
            {
                page.Element("p", t["cases.truncated"]);
            }
        }, user.Csrf);

    public static string Case(ConsoleText t, ConsoleUser user, CaseDetail detail, IReadOnlyList<CaseAttachmentInfo> attachments,
        IReadOnlySet<Guid> snapshots, IReadOnlyDictionary<Guid, CaseEvidence> evidence, bool requireOperatorClose, long nowMs, string? error)
    {
        var record = detail.Case;
        return Layout(t, user, t["case.title"], page =>
        {
            page.Open("h1").Text(Kind(t, record.Kind)).Raw(" ").Element("span", t[$"state.{record.State}"], ("id", "case-state"), ("data-state", record.State), ("class", "badge"))
                .Raw("</h1>");
            if (error is not null)
            {
                page.Element("p", error, ("id", "action-error"), ("class", "error"), ("role", "alert"));
            }

            page.Raw("<dl class=\"facts\">")
                .Element("dt", t["cases.site"]).Element("dd", record.Site)
                .Element("dt", t["cases.device"]).Element("dd", record.Device)
                .Element("dt", t["cases.subject"]).Element("dd", record.Subject)
                .Element("dt", t["cases.opened"]).Raw("<dd>").Time(record.OpenedMs).Raw("</dd>")
                .Element("dt", t["cases.deadline"]).Raw("<dd>").Time(record.DeadlineMs);
            if (IsOverdue(record, nowMs))
            {
                page.Raw(" ").Element("span", t["cases.overdue_mark"], ("class", "badge overdue-mark"));
            }

            page.Raw("</dd>").Element("dt", t["case.alert_count"]).Element("dd", detail.AlertCount.ToString(CultureInfo.InvariantCulture));
            if (record.Note is not null)
            {
                page.Element("dt", t["case.note"]).Element("dd", record.Note, ("id", "case-note"));
            }

            page.Raw("</dl>");
            Actions(page, t, user, record, requireOperatorClose);
            Timeline(page, t, detail.Timeline, attachments);
            Alerts(page, t, detail.Alerts, snapshots, evidence);
        }, user.Csrf);
    }

    private static void Actions(Html page, ConsoleText t, ConsoleUser user, CaseRecord record, bool requireOperatorClose)
    {
        page.Element("h2", t["case.actions"]);
        if (!user.MayActOnCases)
        {
            page.Element("p", t["case.viewer_notice"], ("id", "viewer-notice"));
            return;
        }

        var action = $"{Root}/cases/{record.Id:D}";
        page.Raw("<div id=\"actions\">");
        if (CaseLifecycle.Next(record.State, CaseAction.Acknowledge, requireOperatorClose) is not null)
        {
            page.Open("form", ("method", "post"), ("action", $"{action}/ack"));
            Csrf(page, user.Csrf);
            page.Element("button", t["case.ack"], ("id", "ack-button"), ("type", "submit")).Raw("</form>");
        }

        if (CaseLifecycle.Next(record.State, CaseAction.Reopen, requireOperatorClose) is not null)
        {
            page.Open("form", ("method", "post"), ("action", $"{action}/reopen"));
            Csrf(page, user.Csrf);
            page.Element("button", t["case.reopen"], ("id", "reopen-button"), ("type", "submit")).Raw("</form>");
        }

        if (CaseLifecycle.Next(record.State, CaseAction.Rectify, requireOperatorClose) is not null)
        {
            page.Open("form", ("id", "rectify"), ("method", "post"), ("action", $"{action}/rectify"), ("enctype", "multipart/form-data"), ("class", "card"));
            Csrf(page, user.Csrf);
            page.Element("label", t["case.note_label"], ("for", "note"))
                .Element("textarea", null, ("id", "note"), ("name", "note"), ("required", "required"), ("maxlength", "2000"), ("rows", "3"))
                .Element("label", t["case.attachment_label"], ("for", "attachment"))
                .Open("input", ("id", "attachment"), ("name", "attachment"), ("type", "file"), ("accept", "image/jpeg,image/png,application/pdf"))
                .Element("button", t["case.rectify"], ("id", "rectify-button"), ("type", "submit")).Raw("</form>");
        }

        page.Raw("</div>");
    }

    private static void Timeline(Html page, ConsoleText t, IReadOnlyList<CaseEvent> timeline, IReadOnlyList<CaseAttachmentInfo> attachments)
    {
        page.Element("h2", t["case.timeline"]).Raw("<ol id=\"timeline\">");
        foreach (var entry in timeline)
        {
            page.Open("li", ("data-type", entry.Type)).Time(entry.AtMs).Raw(" ")
                .Element("strong", t[$"event.{entry.Type}"]).Raw(" · ")
                .Element("span", $"{t["case.by"]}: {entry.Actor ?? t["case.system"]}", ("class", "actor"));
            if (entry.Note is not null)
            {
                page.Element("blockquote", entry.Note, ("class", "note"));
            }

            foreach (var file in attachments.Where(a => a.EventId == entry.Id))
            {
                page.Raw("<div class=\"attachment\">").Element("a", $"{t["case.attachment"]}: {file.FileName}", ("href", $"{Root}/attachments/{file.Id:D}"));
                if (AttachmentCheck.IsImage(file.ContentType))
                {
                    page.Open("img", ("src", $"{Root}/attachments/{file.Id:D}"), ("alt", file.FileName), ("class", "thumb"));
                }

                page.Raw("</div>");
            }

            page.Raw("</li>");
        }

        page.Raw("</ol>");
    }

    private static void Alerts(Html page, ConsoleText t, IReadOnlyList<StoredAlert> alerts, IReadOnlySet<Guid> snapshots,
        IReadOnlyDictionary<Guid, CaseEvidence> evidence)
    {
        page.Element("h2", t["case.alerts"]).Raw("<ul id=\"alerts\" class=\"alerts\">");
        // Newest first: the latest evidence is what the operator judges.
        foreach (var stored in alerts.Reverse())
        {
            var alert = stored.Alert;
            page.Open("li", ("data-alert", alert.Id.ToString("D"))).Time(alert.TimestampMs).Raw(" ")
                .Element("span", alert.State == AlertState.Raised ? t["alert.raised"] : t["alert.cleared"], ("class", "badge")).Raw(" ")
                .Text(Kind(t, alert.Kind)).Raw(" ")
                .Element("span", string.Join(", ", alert.Attributes.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => $"{a.Key}={a.Value}")), ("class", "attrs"));
            if (snapshots.Contains(alert.Id))
            {
                page.Open("img", ("src", $"{Root}/snapshots/{alert.Id:D}"), ("alt", t["case.snapshot"]), ("class", "snapshot"));
            }

            if (evidence.TryGetValue(alert.Id, out var found))
            {
                if (found.HasClip)
                {
                    page.Open("video", ("src", $"{Root}/clips/{alert.Id:D}"), ("controls", ""), ("preload", "metadata"), ("title", t["case.clip"]), ("class", "clip"))
                        .Raw("</video>");
                }

                if (found.Verified is { } verified)
                {
                    page.Element("span", verified ? t["case.signature_verified"] : t["case.signature_failed"],
                        ("class", verified ? "badge verified" : "badge overdue-mark"), ("data-verified", verified ? "true" : "false"));
                }
            }

            page.Raw("</li>");
        }

        page.Raw("</ul>");
    }

    private static string Layout(ConsoleText t, ConsoleUser? user, string title, Action<Html> body, string? csrf)
    {
        var page = new Html()
            .Raw("<!DOCTYPE html>").Open("html", ("lang", t.Language)).Raw("<head><meta charset=\"utf-8\">")
            .Raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .Element("title", $"{title} · {t["app.title"]}")
            .Raw($"<link rel=\"stylesheet\" href=\"{Root}/static/console.css\"><script src=\"{Root}/static/console.js\" defer></script></head>")
            .Open("body", ("data-live", user is null ? null : $"{Root}/events"))
            .Raw("<header>").Element("span", t["app.title"], ("class", "brand"));
        if (user is not null)
        {
            page.Raw("<nav>").Element("a", t["nav.cases"], ("href", $"{Root}/cases"), ("id", "nav-cases"))
                .Element("a", t["nav.devices"], ("href", $"{Root}/devices"), ("id", "nav-devices"))
                .Element("a", t["nav.fleet"], ("href", $"{Root}/fleet"), ("id", "nav-fleet"))
                .Element("a", t["nav.health"], ("href", $"{Root}/health"), ("id", "nav-health"));
            if (user.MayManageOperators)
            {
                page.Element("a", t["nav.operators"], ("href", $"{Root}/operators"), ("id", "nav-operators"));
            }

            page.Raw("</nav>")
                .Element("span", $"{user.Name} ({t[$"role.{user.Role}"]})", ("id", "who"));
        }

        page.Open("form", ("id", "language"), ("method", "post"), ("action", $"{Root}/language"));
        Csrf(page, csrf ?? string.Empty);
        page.Open("select", ("name", "language"), ("aria-label", t["nav.language"]));
        Option(page, ConsoleText.Chinese, "中文", t.Language);
        Option(page, ConsoleText.English, "English", t.Language);
        page.Raw("</select>").Element("button", t["nav.switch"], ("type", "submit"), ("id", "language-button")).Raw("</form>");
        if (user is not null)
        {
            page.Open("form", ("method", "post"), ("action", $"{Root}/logout"));
            Csrf(page, user.Csrf);
            page.Element("button", t["nav.logout"], ("id", "logout"), ("type", "submit")).Raw("</form>");
        }

        page.Raw("</header><div class=\"content\"><main>");
        body(page);
        page.Raw("</main>");
        if (user is not null)
        {
            page.Raw("<aside>").Element("h2", t["live.title"]).Raw("<ul id=\"live-feed\"></ul></aside>");
        }

        return page.Raw("</div></body></html>").ToString();
    }

    /// <summary>Opens a table with its labelled header row and its body.</summary>
    private static void TableStart(Html page, ConsoleText t, string id, string[] columns)
    {
        page.Open("table", ("id", id)).Raw("<thead><tr>");
        foreach (var key in columns)
        {
            page.Element("th", t[key]);
        }

        page.Raw("</tr></thead><tbody>");
    }

    private static void Csrf(Html page, string token) => page.Open("input", ("type", "hidden"), ("name", ConsoleSessions.CsrfField), ("value", token));

    private static void Option(Html page, string value, string label, string? selected) =>
        page.Element("option", label, ("value", value), ("selected", value == (selected ?? string.Empty) ? "selected" : null));

    /// <summary>The kind's label in the page's language, or its code when the files have none.</summary>
    public static string Kind(ConsoleText t, string kind) => t[$"kind.{kind}"] is var label && label != $"kind.{kind}" ? label : kind;

    private static bool IsOverdue(CaseRecord record, long nowMs) =>
        record.State == CaseStates.Overdue || (record.State is CaseStates.Open or CaseStates.Acknowledged && record.DeadlineMs <= nowMs);
}

/// <summary>The case list's filters; an empty state means every case not yet rectified.</summary>
internal sealed record CaseFilter(string? State, string? Kind, string? Site)
{
    public const string AnyState = "any";
}

/// <summary>The relay's data disk below its reserve: free bytes and the reserve, shown on the devices page.</summary>
public sealed record StorageState(long FreeBytes, long ReserveBytes);

/// <summary>What the console shows of an alert's evidence: whether its clip is at the relay, and whether the box's signature held.</summary>
public sealed record CaseEvidence(bool HasClip, bool? Verified);
